// Validation of a cohort request against the model: pure, so every rule is unit-testable and
// bad input is refused before it reaches the database or a GPU. The sampling rules (class,
// steps, guidance) are the same functions the engine checks its requests with.
import { apportion } from './apportion';
import { InputError } from './input-error';
import { Sampler } from './model';
import type { ModelSummary, SamplingRanges } from './model';
import type { ClassCount } from './order';

const badInput = (field: string, reason: string, message: string) => new InputError(field, message, reason);

export interface MixEntry {
  birads: number;
  fraction?: number | null;
  count?: number | null;
}

export interface OrderRequest {
  modelId: string;
  size: number;
  mix: MixEntry[];
  seed?: number | null;
  /** DDIM when omitted. */
  sampler?: Sampler | null;
  steps?: number | null;
  guidance?: number | null;
}

export interface ValidOrder {
  model: ModelSummary;
  size: number;
  /** Ascending BI-RADS, zero counts dropped; sums to size. */
  counts: ClassCount[];
  seed: number | null;
  sampler: Sampler;
  steps: number;
  guidance: number;
}

/** The BI-RADS assessment categories (ACR, 5th edition). */
const BIRADS_CATEGORIES = [0, 1, 2, 3, 4, 5, 6];
const SUM_TOLERANCE = 1e-6;

export function validateOrderRequest(r: OrderRequest, model: ModelSummary | null): ValidOrder {
  if (!model) throw badInput('input.modelId', 'UNKNOWN_MODEL', `No model "${r.modelId}" is loaded; query \`models\` for the available ones.`);
  if (!Number.isInteger(r.size) || r.size < 1) throw badInput('input.size', 'SIZE_TOO_SMALL', `size must be a positive integer, got ${r.size}.`);
  if (r.mix.length === 0) throw badInput('input.mix', 'MIX_EMPTY', 'mix must name at least one BI-RADS category.');

  const seen = new Set<number>();
  r.mix.forEach((e, i) => {
    const f = `input.mix[${i}]`;
    if (!BIRADS_CATEGORIES.includes(e.birads)) {
      throw badInput(`${f}.birads`, 'UNKNOWN_CATEGORY', `BI-RADS ${e.birads} is not a category; BI-RADS categories are 0 to 6.`);
    }
    checkTrainedClass(model, e.birads, `${f}.birads`);
    if (seen.has(e.birads)) throw badInput(`${f}.birads`, 'DUPLICATE_CATEGORY', `BI-RADS ${e.birads} appears twice in the mix.`);
    seen.add(e.birads);
    const hasF = e.fraction !== undefined && e.fraction !== null;
    const hasC = e.count !== undefined && e.count !== null;
    if (hasF === hasC) throw badInput(f, 'MIX_ENTRY_AMBIGUOUS', `mix entry ${i} must give exactly one of fraction or count.`);
    if (hasF && (!Number.isFinite(e.fraction) || (e.fraction as number) < 0 || (e.fraction as number) > 1)) {
      throw badInput(`${f}.fraction`, 'FRACTION_OUT_OF_RANGE', `fraction must be between 0 and 1, got ${e.fraction}.`);
    }
    if (hasC && (!Number.isInteger(e.count) || (e.count as number) < 0)) {
      throw badInput(`${f}.count`, 'COUNT_INVALID', `count must be a non-negative integer, got ${e.count}.`);
    }
  });
  const byCount = r.mix.every((e) => e.count !== undefined && e.count !== null);
  const byFraction = r.mix.every((e) => e.fraction !== undefined && e.fraction !== null);
  if (!byCount && !byFraction) throw badInput('input.mix', 'MIX_KINDS_MIXED', 'Give every mix entry a fraction, or every entry a count, not both kinds.');

  let counts: ClassCount[];
  if (byFraction) {
    const sum = r.mix.reduce((a, e) => a + (e.fraction as number), 0);
    if (Math.abs(sum - 1) > SUM_TOLERANCE) throw badInput('input.mix', 'MIX_SUM_NOT_ONE', `The mix fractions sum to ${sum}; they must sum to 1.`);
    counts = apportion(r.mix.map((e) => ({ birads: e.birads, fraction: e.fraction as number })), r.size);
  } else {
    const sum = r.mix.reduce((a, e) => a + (e.count as number), 0);
    if (sum !== r.size) throw badInput('input.mix', 'MIX_COUNTS_NOT_SIZE', `The mix counts sum to ${sum}; they must sum to size (${r.size}).`);
    counts = r.mix.map((e) => ({ birads: e.birads, count: e.count as number })).sort((a, b) => a.birads - b.birads);
  }

  let seed: number | null = null;
  if (r.seed !== undefined && r.seed !== null) {
    if (!Number.isSafeInteger(r.seed)) throw badInput('input.seed', 'SEED_INVALID', `seed must be an integer below 2^53, got ${r.seed}.`);
    if (r.seed < 0) throw badInput('input.seed', 'SEED_NEGATIVE', `seed must not be negative, got ${r.seed}.`);
    seed = r.seed;
  }
  const steps = r.steps ?? model.defaultSteps;
  checkSteps(model, steps, 'input.steps');
  const guidance = r.guidance ?? model.defaultGuidance;
  checkGuidance(model, guidance, 'input.guidance');
  const sampler = r.sampler ?? Sampler.DDIM;
  if (!Object.values(Sampler).includes(sampler)) {
    throw badInput('input.sampler', 'UNKNOWN_SAMPLER', `sampler must be one of ${Object.values(Sampler).join(', ')}, got ${String(sampler)}.`);
  }
  return { model, size: r.size, counts: counts.filter((c) => c.count > 0), seed, sampler, steps, guidance };
}

type SamplingModel = SamplingRanges & Pick<ModelSummary, 'modelId' | 'classes'>;

/** BI-RADS `birads` must be one of the classes the model was trained on. */
export function checkTrainedClass(model: SamplingModel, birads: number, field: string): void {
  const trained = model.classes.map((c) => c.birads).sort((a, b) => a - b);
  if (!trained.includes(birads)) {
    throw badInput(field, 'UNSUPPORTED_CATEGORY', `Model ${model.modelId} was not trained on BI-RADS ${birads}; it supports ${trained.join(', ')}.`);
  }
}

export function checkSteps(model: SamplingModel, steps: number, field: string): void {
  if (!Number.isInteger(steps) || steps < model.minSteps || steps > model.maxSteps) {
    throw badInput(field, 'STEPS_OUT_OF_RANGE', `steps must be an integer from ${model.minSteps} to ${model.maxSteps} for ${model.modelId}, got ${steps}.`);
  }
}

export function checkGuidance(model: SamplingModel, guidance: number, field: string): void {
  if (typeof guidance !== 'number' || !Number.isFinite(guidance) || guidance < model.minGuidance || guidance > model.maxGuidance) {
    throw badInput(field, 'GUIDANCE_OUT_OF_RANGE', `guidance must be from ${model.minGuidance} to ${model.maxGuidance} for ${model.modelId}, got ${guidance}.`);
  }
}

/** The class of each image index: contiguous runs in ascending BI-RADS order. */
export function classOfIndex(counts: ClassCount[], index: number): number {
  let end = 0;
  for (const c of counts) {
    end += c.count;
    if (index < end) return c.birads;
  }
  throw new RangeError(`image index ${index} is outside an order of ${end} images`);
}
