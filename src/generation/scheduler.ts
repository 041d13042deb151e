// DDIM (eta = 0) as specified in docs/bundle-format.md: pure functions, no I/O.

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
    for (let i = 0; i < steps; i++) out.push(Math.round(T - (i * T) / steps) - 1);
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
  const sa = Math.sqrt(alphaT);
  const s1a = Math.sqrt(1 - alphaT);
  const sp = Math.sqrt(alphaPrev);
  const s1p = Math.sqrt(1 - alphaPrev);
  const isEpsilon = schedule.predictionType === 'epsilon';
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const p = prediction[i];
    const x0 = isEpsilon ? (xi - s1a * p) / sa : sa * xi - s1a * p;
    const eps = isEpsilon ? p : sa * p + s1a * xi;
    out[i] = sp * x0 + s1p * eps;
  }
  return out;
}

/** Classifier-free guidance: uncond + g (cond - uncond), elementwise. */
export function guide(cond: Float32Array, uncond: Float32Array, guidance: number): Float32Array {
  if (cond.length !== uncond.length) throw new RangeError('conditional and unconditional predictions differ in length');
  const out = new Float32Array(cond.length);
  for (let i = 0; i < cond.length; i++) out[i] = uncond[i] + guidance * (cond[i] - uncond[i]);
  return out;
}
