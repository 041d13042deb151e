// The samplers' update rules as specified in docs/bundle-format.md: DDIM (eta = 0) and
// DPM-Solver++(2M). Pure functions, no I/O.
// Arithmetic is float32, one rounding per operation (Math.fround after each double operation is
// exactly IEEE single arithmetic for + - * /), with float64 coefficients rounded to float32, the
// same as training/factory/schedule.py, so the scheduler alone adds no difference between the two.
import type { Sampler } from '../domain/model';
import { roundHalfEven } from './rounding';

const f32 = Math.fround;

export interface DdimSchedule {
  trainTimesteps: number;
  alphasCumprod: readonly number[];
  predictionType: 'epsilon' | 'v_prediction';
  timestepSpacing: 'leading' | 'trailing';
  finalAlphaCumprod: 'one' | 'first';
}

/** The S descending train timesteps to visit, as diffusers' DDIMScheduler.set_timesteps. */
export function ddimTimesteps(schedule: DdimSchedule, steps: number): number[] {
  const T = schedule.trainTimesteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > T) {
    throw new RangeError(`steps must be an integer in [1, ${T}], got ${steps}`);
  }
  const out: number[] = [];
  if (schedule.timestepSpacing === 'leading') {
    const ratio = Math.floor(T / steps);
    for (let i = steps - 1; i >= 0; i--) out.push(i * ratio);
  } else {
    for (let i = 0; i < steps; i++) out.push(roundHalfEven(T - (i * T) / steps) - 1);
  }
  return out;
}

/** alpha_cumprod of the step after `index` in `timesteps` (the final alpha after the last). */
export function previousAlpha(schedule: DdimSchedule, timesteps: readonly number[], index: number): number {
  if (index + 1 < timesteps.length) return schedule.alphasCumprod[timesteps[index + 1]];
  return schedule.finalAlphaCumprod === 'one' ? 1 : schedule.alphasCumprod[0];
}

/**
 * One DDIM step from x_t to x_prev given the model's prediction, elementwise:
 * x0 and eps from the prediction, then x_prev = sqrt(a_prev) x0 + sqrt(1 - a_prev) eps.
 */
export function ddimStep(
  schedule: DdimSchedule,
  alphaT: number,
  alphaPrev: number,
  x: Float32Array,
  prediction: Float32Array,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  if (prediction.length !== x.length) throw new RangeError('prediction and latent differ in length');
  const x0 = predictX0(schedule, alphaT, x, prediction);
  const sa = f32(Math.sqrt(alphaT));
  const s1a = f32(Math.sqrt(1 - alphaT));
  const sp = f32(Math.sqrt(alphaPrev));
  const s1p = f32(Math.sqrt(1 - alphaPrev));
  const isEpsilon = schedule.predictionType === 'epsilon';
  for (let i = 0; i < x.length; i++) {
    const eps = isEpsilon ? prediction[i] : f32(f32(sa * prediction[i]) + f32(s1a * x[i]));
    out[i] = f32(sp * x0[i]) + f32(s1p * eps);
  }
  return out;
}


/** A sampler's walk over its timesteps: step(x, prediction at timesteps[i]) gives x at the next one. */
export interface Stepper {
  readonly timesteps: number[];
  step(x: Float32Array, prediction: Float32Array): Float32Array;
}

/** A walk over the sampler's timesteps: the index of the step to take next, refusing one too many. */
abstract class TimestepWalk implements Stepper {
  readonly timesteps: number[];
  private index = 0;

  constructor(
    protected readonly schedule: DdimSchedule,
    steps: number,
  ) {
    this.timesteps = ddimTimesteps(schedule, steps);
  }

  /** The index of this step in `timesteps`; throws once every step is taken. */
  protected nextIndex(): number {
    if (this.index >= this.timesteps.length) throw new RangeError(`all ${this.timesteps.length} steps are done`);
    return this.index++;
  }

  abstract step(x: Float32Array, prediction: Float32Array): Float32Array;
}

/** DDIM as a Stepper. */
class DdimStepper extends TimestepWalk {
  step(x: Float32Array, prediction: Float32Array): Float32Array {
    const i = this.nextIndex();
    return ddimStep(this.schedule, this.schedule.alphasCumprod[this.timesteps[i]], previousAlpha(this.schedule, this.timesteps, i), x, prediction);
  }
}

export function stepper(sampler: Sampler, schedule: DdimSchedule, steps: number): Stepper {
  return sampler === 'DPM_SOLVER_PP' ? new DpmSolverPP(schedule, steps) : new DdimStepper(schedule, steps);
}

/** The model output as the clean-sample prediction x0, elementwise, in float32 as ddimStep. */
function predictX0(schedule: DdimSchedule, alphaT: number, x: Float32Array, prediction: Float32Array): Float32Array {
  const sa = f32(Math.sqrt(alphaT));
  const s1a = f32(Math.sqrt(1 - alphaT));
  const out = new Float32Array(x.length);
  const isEpsilon = schedule.predictionType === 'epsilon';
  for (let i = 0; i < x.length; i++) out[i] = isEpsilon ? f32(f32(x[i] - f32(s1a * prediction[i])) / sa) : f32(f32(sa * x[i]) - f32(s1a * prediction[i]));
  return out;
}

/** log(alpha / sigma) of alpha_cumprod `a`: the half log-SNR DPM-Solver steps in. */
function lambdaOf(a: number): number {
  return 0.5 * Math.log(a / (1 - a));
}

/**
 * DPM-Solver++(2M) (Lu et al. 2022, as diffusers' DPMSolverMultistepScheduler with
 * algorithm_type "dpmsolver++", solver_order 2, solver_type "midpoint"), on the same timesteps as
 * DDIM. Each step predicts x0 and moves in log-SNR; from the second step on it also uses the
 * previous step's x0 (a second-order multistep correction), which needs fewer steps than DDIM
 * for the same error where the model's field is smooth (the tiny fixture; not the first real
 * model: docs/performance.md). The first step, and the last when it lands on alpha = 1 or there
 * are fewer than 15 steps, are first order (the first-order step is exactly DDIM's).
 * Coefficients are computed in float64 and rounded to float32 once per step; the elementwise
 * arithmetic is float32, as training/factory/schedule.py's DPMSolverPP.
 */
export class DpmSolverPP extends TimestepWalk {
  private previous: { x0: Float32Array; lambda: number } | null = null;

  /** x at the next timestep, from x at timesteps[index] and the model's output there. Call in order. */
  step(x: Float32Array, prediction: Float32Array): Float32Array {
    if (prediction.length !== x.length) throw new RangeError('prediction and latent differ in length');
    const i = this.nextIndex();
    const aS = this.schedule.alphasCumprod[this.timesteps[i]];
    const aT = previousAlpha(this.schedule, this.timesteps, i);
    const x0 = predictX0(this.schedule, aS, x, prediction);
    const out = new Float32Array(x.length);
    const last = i === this.timesteps.length - 1;
    if (aT >= 1) {
      // sigma_t = 0: the update is alpha_t x0 whatever the order (its log-SNR is infinite).
      const at = f32(Math.sqrt(aT));
      for (let k = 0; k < x.length; k++) out[k] = f32(at * x0[k]);
      this.previous = null;
      return out;
    }
    const lambdaS = lambdaOf(aS);
    const lambdaT = lambdaOf(aT);
    const h = lambdaT - lambdaS;
    const c1 = f32(Math.sqrt(1 - aT) / Math.sqrt(1 - aS));
    const c2 = f32(-Math.sqrt(aT) * Math.expm1(-h));
    const firstOrder = this.previous === null || (last && this.timesteps.length < 15);
    if (firstOrder) {
      for (let k = 0; k < x.length; k++) out[k] = f32(f32(c1 * x[k]) + f32(c2 * x0[k]));
    } else {
      const prev = this.previous as { x0: Float32Array; lambda: number };
      const r0 = (lambdaS - prev.lambda) / h;
      const c3 = f32((0.5 * -Math.sqrt(aT) * Math.expm1(-h)) / r0);
      for (let k = 0; k < x.length; k++) out[k] = f32(f32(f32(c1 * x[k]) + f32(c2 * x0[k])) + f32(c3 * f32(x0[k] - prev.x0[k])));
    }
    this.previous = { x0, lambda: lambdaS };
    return out;
  }
}

/** Classifier-free guidance: uncond + g (cond - uncond), elementwise. */
export function guide(cond: Float32Array, uncond: Float32Array, guidance: number): Float32Array {
  if (cond.length !== uncond.length) throw new RangeError('conditional and unconditional predictions differ in length');
  const out = new Float32Array(cond.length);
  const g = f32(guidance);
  for (let i = 0; i < cond.length; i++) out[i] = uncond[i] + f32(g * f32(cond[i] - uncond[i]));
  return out;
}
