// Checks of what the worker asks for, before any ONNX work: each failure is an EngineInputError
// naming the field.
import { CohortParams, EngineInputError, ImageRequest } from './contract';
import { Manifest } from './manifest';

export function checkRanges(m: Manifest, birads: number[], steps: number, guidance: number): void {
  const known = m.classes.map((c) => c.birads);
  for (const b of birads) {
    if (!known.includes(b)) {
      throw new EngineInputError('birads', `BI-RADS ${b} is not a class of model ${m.modelId} (it has ${known.sort().join(', ')})`);
    }
  }
  const s = m.sampling;
  if (!Number.isInteger(steps) || steps < s.minSteps || steps > s.maxSteps) {
    throw new EngineInputError('steps', `steps must be an integer from ${s.minSteps} to ${s.maxSteps} for model ${m.modelId}, got ${steps}`);
  }
  if (typeof guidance !== 'number' || !(guidance >= s.minGuidance && guidance <= s.maxGuidance)) {
    throw new EngineInputError('guidance', `guidance must be from ${s.minGuidance} to ${s.maxGuidance} for model ${m.modelId}, got ${guidance}`);
  }
}

export function checkParams(p: CohortParams): void {
  if (!Number.isSafeInteger(p.orderSeed) || p.orderSeed < 0) {
    throw new EngineInputError('orderSeed', `orderSeed must be a non-negative integer below 2^53, got ${p.orderSeed}`);
  }
  for (const field of ['orderId', 'certificateId'] as const) {
    if (typeof p[field] !== 'string' || p[field].length === 0 || p[field].length > 200) {
      throw new EngineInputError(field, `${field} must be a non-empty string of at most 200 characters`);
    }
  }
}

export function checkImageRequests(items: ImageRequest[]): void {
  const seen = new Set<number>();
  for (const item of items) {
    if (!Number.isInteger(item.index) || item.index < 0 || item.index >= 2 ** 32) {
      throw new EngineInputError('index', `image index must be an integer from 0 to 2^32 - 1, got ${item.index}`);
    }
    if (seen.has(item.index)) throw new EngineInputError('index', `image index ${item.index} is requested twice`);
    seen.add(item.index);
  }
}
