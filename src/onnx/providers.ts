// Execution providers: cpu by default, webgpu or cuda when configured. If the requested provider
// cannot start (no driver, no adapter, library missing) the engine still runs, on cpu, and says why.
import { InferenceSession } from 'onnxruntime-node';
import { PROVIDERS, ProviderName } from '../domain/model';

export type { ProviderName };

export function parseProvider(value: string): ProviderName {
  if (!(PROVIDERS as readonly string[]).includes(value)) {
    throw new RangeError(`execution provider "${value}" is not one of ${PROVIDERS.join(', ')}`);
  }
  return value as ProviderName;
}

/**
 * ORT's errors only: on a GPU provider every session warns, twice, that shape ops stay on the CPU
 * (by design); a worker opening sessions buried its own log under them (the GPU benchmark's output
 * lost its figures that way).
 */
export const QUIET = 3;

/** A session on `provider`; throws with ORT's reason if it cannot be created there. */
export function createSession(model: string | Uint8Array, provider: ProviderName): Promise<InferenceSession> {
  const options: InferenceSession.SessionOptions = { executionProviders: [provider], graphOptimizationLevel: 'all', logSeverityLevel: QUIET };
  return typeof model === 'string' ? InferenceSession.create(model, options) : InferenceSession.create(model, options);
}

/**
 * Tries `requested` on a probe graph and falls back to cpu when it cannot load. Returns the
 * provider that actually runs; logs it either way.
 */
export async function resolveProvider(
  requested: ProviderName,
  probeModel: string,
  log: (line: string) => void,
): Promise<ProviderName> {
  if (requested !== 'cpu') {
    try {
      await (await createSession(probeModel, requested)).release();
      log(`execution provider: ${requested}`);
      return requested;
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0];
      log(`warning: execution provider ${requested} could not load (${reason}); falling back to cpu`);
    }
  }
  log('execution provider: cpu');
  return 'cpu';
}
