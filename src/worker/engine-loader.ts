// Loads the sampling engine on demand: only worker processes pay for onnxruntime and the model
// bundles; API-only processes never require src/generation/engine.
import type { SamplingEngine } from '../generation/contract';
import type { Config } from '../config';

export type ClosableEngine = SamplingEngine & { close(): Promise<void> };

interface EngineModule {
  createEngine(opts: { bundleDirs: string[]; dataDir: string; provider?: 'cpu' | 'webgpu' | 'cuda'; signingKeyFile?: string; log?: (line: string) => void }): Promise<ClosableEngine>;
}
interface BundleModule {
  defaultBundleDirs(): string[];
}

export async function loadEngine(config: Pick<Config, 'bundleDirs' | 'dataDir' | 'provider' | 'signingKeyFile'>, log: (line: string) => void): Promise<ClosableEngine> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  const { createEngine } = require('../generation/engine') as EngineModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  const { defaultBundleDirs } = require('../generation/bundle') as BundleModule;
  const engine = await createEngine({
    bundleDirs: config.bundleDirs ?? defaultBundleDirs(),
    dataDir: config.dataDir,
    provider: config.provider,
    signingKeyFile: config.signingKeyFile,
    log,
  });
  log(`worker: sampling on execution provider "${engine.provider}" (requested "${config.provider}")`);
  return engine;
}
