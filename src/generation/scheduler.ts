// DDIM (eta = 0) as specified in docs/bundle-format.md: pure functions, no I/O.
// Arithmetic is float32, one rounding per operation (Math.fround after each double operation is
// exactly IEEE single arithmetic for + - * /), with float64 coefficients rounded to float32, the
// same as training/factory/schedule.py, so the scheduler alone adds no difference between the two.
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
  const sa = f32(Math.sqrt(alphaT));
  const s1a = f32(Math.sqrt(1 - alphaT));
  const sp = f32(Math.sqrt(alphaPrev));
  const s1p = f32(Math.sqrt(1 - alphaPrev));
  const isEpsilon = schedule.predictionType === 'epsilon';
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const p = prediction[i];
    const x0 = isEpsilon ? f32(f32(xi - f32(s1a * p)) / sa) : f32(f32(sa * xi) - f32(s1a * p));
    const eps = isEpsilon ? p : f32(f32(sa * p) + f32(s1a * xi));
    out[i] = f32(sp * x0) + f32(s1p * eps);
  }
  return out;
}

/** Classifier-free guidance: uncond + g (cond - uncond), elementwise. */
export function guide(cond: Float32Array, uncond: Float32Array, guidance: number): Float32Array {
  if (cond.length !== uncond.length) throw new RangeError('conditional and unconditional predictions differ in length');
  const out = new Float32Array(cond.length);
  const g = f32(guidance);
  for (let i = 0; i < cond.length; i++) out[i] = uncond[i] + f32(g * f32(cond[i] - uncond[i]));
  return out;
}
