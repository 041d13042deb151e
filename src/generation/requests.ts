// Checks of what the worker asks for, before any ONNX work: each failure is an InputError naming
// the field. The sampling rules are the domain's, the same the API checks orders with.
import type { CohortParams, ImageRequest } from '../domain/cohort';
import { InputError } from '../domain/input-error';
import { Sampler } from '../domain/model';
import type { ModelSummary } from '../domain/model';
import { checkGuidance, checkSteps, checkTrainedClass } from '../domain/order-request';

export function checkRanges(model: ModelSummary, birads: number[], steps: number, guidance: number): void {
  for (const b of birads) checkTrainedClass(model, b, 'birads');
  checkSteps(model, steps, 'steps');
  checkGuidance(model, guidance, 'guidance');
}

export function checkParams(p: CohortParams): void {
  if (!Number.isSafeInteger(p.orderSeed) || p.orderSeed < 0) {
    throw new InputError('orderSeed', `orderSeed must be a non-negative integer below 2^53, got ${p.orderSeed}`);
  }
  if (!Object.values(Sampler).includes(p.sampler)) {
    throw new InputError('sampler', `sampler must be one of ${Object.values(Sampler).join(', ')}, got ${String(p.sampler)}`);
  }
  for (const field of ['orderId', 'certificateId'] as const) {
    if (typeof p[field] !== 'string' || p[field].length === 0 || p[field].length > 200) {
      throw new InputError(field, `${field} must be a non-empty string of at most 200 characters`);
    }
  }
}

export function checkImageRequests(items: ImageRequest[]): void {
  const seen = new Set<number>();
  for (const item of items) {
    if (!Number.isInteger(item.index) || item.index < 0 || item.index >= 2 ** 32) {
      throw new InputError('index', `image index must be an integer from 0 to 2^32 - 1, got ${item.index}`);
    }
    if (seen.has(item.index)) throw new InputError('index', `image index ${item.index} is requested twice`);
    seen.add(item.index);
  }
}
