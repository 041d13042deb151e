// Loads the sampling engine on demand: only worker processes pay for onnxruntime and the model
// bundles; API-only processes never require src/generation/engine.
import type { Config } from '../config';
import type { SamplingEngine } from '../domain/sampling-engine';
import type * as EngineModule from '../generation/engine';
import type * as BundleModule from '../generation/bundle';
import type { StageTimer } from '../generation/pipeline';

export async function loadEngine(config: Pick<Config, 'bundleDirs' | 'provider'> & Partial<Pick<Config, 'microBatch'>>, log: (line: string) => void, onStage?: StageTimer): Promise<SamplingEngine> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  const { createEngine } = require('../generation/engine') as typeof EngineModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  const { defaultBundleDirs } = require('../generation/bundle') as typeof BundleModule;
  const engine = await createEngine({ bundleDirs: config.bundleDirs ?? defaultBundleDirs(), provider: config.provider, microBatch: config.microBatch, log, onStage });
  log(`worker: sampling on execution provider "${engine.provider}" (requested "${config.provider}")`);
  return engine;
}
