// Batch sizes per execution provider (issue 15): the measured defaults, the operator's overrides,
// and the settings that carry them.
import { loadConfig } from '../../src/config';
import { BATCHING, batchingFor } from '../../src/domain/batching';
import { PROVIDERS } from '../../src/domain/model';

test('every provider has positive integer batch sizes, and a call never asks for fewer images than a run takes', () => {
  for (const p of PROVIDERS) {
    const { batchSize, microBatch } = BATCHING[p];
    expect(Number.isInteger(batchSize) && batchSize >= 1).toBe(true);
    expect(Number.isInteger(microBatch) && microBatch >= 1).toBe(true);
    // A micro-batch larger than the call is never filled (the old 4 / 16 pair was).
    expect(batchSize).toBeGreaterThanOrEqual(microBatch);
  }
});

test("an override replaces only what it names; unset settings take the provider's default", () => {
  expect(batchingFor('cpu')).toEqual(BATCHING.cpu);
  expect(batchingFor('cuda', { batchSize: 3 })).toEqual({ batchSize: 3, microBatch: BATCHING.cuda.microBatch });
  expect(batchingFor('webgpu', { batchSize: undefined, microBatch: 2 })).toEqual({ batchSize: BATCHING.webgpu.batchSize, microBatch: 2 });
});

test('SYNTHBUS_BATCH_SIZE and SYNTHBUS_MICRO_BATCH: unset means the provider default; a bad value names the setting', () => {
  expect(loadConfig({})).toMatchObject({ batchSize: undefined, microBatch: undefined });
  expect(loadConfig({ SYNTHBUS_BATCH_SIZE: '12', SYNTHBUS_MICRO_BATCH: '6' })).toMatchObject({ batchSize: 12, microBatch: 6 });
  expect(() => loadConfig({ SYNTHBUS_MICRO_BATCH: '0' })).toThrow('SYNTHBUS_MICRO_BATCH must be an integer >= 1, got "0"');
  expect(() => loadConfig({ SYNTHBUS_BATCH_SIZE: 'lots' })).toThrow('SYNTHBUS_BATCH_SIZE must be an integer >= 1, got "lots"');
});
