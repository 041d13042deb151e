// DPM-Solver++(2M) against diffusers' DPMSolverMultistepScheduler (numbers printed by
// tests/generation/reference/dpm_solver_diffusers.py: dpmsolver++, order 2, midpoint, trailing
// spacing, final sigma zero) on the tiny fixture's cosine schedule with a fixed stand-in model.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DdimSchedule, DpmSolverPP, ddimStep, previousAlpha } from '../../src/generation/scheduler';
import { TEST_BUNDLE } from './helpers/test-bundle';

const manifest = JSON.parse(readFileSync(join(TEST_BUNDLE, 'manifest.json'), 'utf8')) as { schedule: DdimSchedule };
const X0 = [0.5, -1.25, 2.0, 0.1, -0.3, 0.8];

/** diffusers' final latents (float64) for each prediction type and step count. */
const DIFFUSERS: Record<string, number[]> = {
  'epsilon/3': [1325.8356709267682, -2437.734940825834, 4704.500180041039, 70.90660719187788, -1045.8640753177326, 1553.4512794442862],
  'epsilon/10': [604.0040193047128, -1110.891303019578, 2143.586502234058, 32.411398132339606, -476.4113227007837, 707.8802063873615],
  'epsilon/20': [376.4328790194505, -692.567944373827, 1336.1972098840824, 20.271442955496184, -296.88164599650446, 441.2925312687916],
  'v_prediction/3': [0.0767363772651874, -0.16939688794058375, 0.31116146703839037, 0.014688693711064621, -0.05925301464532216, 0.10279076666304737],
  'v_prediction/10': [0.1470782440266207, -0.4119711575697587, 0.6638084681186038, 0.049213833007774516, -0.09135860502307329, 0.2513751810252991],
  'v_prediction/20': [0.15438146997234253, -0.42294246532612306, 0.6688740709940002, 0.04482871906895101, -0.09114808283865636, 0.2636888686480807],
};

/** The stand-in model: 0.7 x + 0.05 sin(k + t / 100), in float32. */
function model(x: Float32Array, t: number): Float32Array {
  return x.map((v, k) => Math.fround(0.7 * v + 0.05 * Math.sin(k + t / 100)));
}

function sample(schedule: DdimSchedule, steps: number): Float32Array {
  const solver = new DpmSolverPP(schedule, steps);
  let x: Float32Array = Float32Array.from(X0);
  for (const t of solver.timesteps) x = solver.step(x, model(x, t));
  return x;
}

describe('DpmSolverPP', () => {
  for (const [key, expected] of Object.entries(DIFFUSERS)) {
    const [predictionType, steps] = key.split('/');
    it(`matches diffusers for ${predictionType} at ${steps} steps (relative 1e-4, float32 against float64)`, () => {
      const x = sample({ ...manifest.schedule, predictionType: predictionType as DdimSchedule['predictionType'] }, Number(steps));
      x.forEach((v, k) => expect(Math.abs(v - expected[k])).toBeLessThanOrEqual(1e-4 * Math.abs(expected[k]) + 1e-6));
    });
  }

  it('takes its first step exactly as DDIM does (first order)', () => {
    const schedule = manifest.schedule;
    const solver = new DpmSolverPP(schedule, 10);
    const t = solver.timesteps[0];
    const x = Float32Array.from(X0);
    const prediction = model(x, t);
    const ddim = ddimStep(schedule, schedule.alphasCumprod[t], previousAlpha(schedule, solver.timesteps, 0), x, prediction);
    const dpm = solver.step(x, prediction);
    dpm.forEach((v, k) => expect(Math.abs(v - ddim[k])).toBeLessThanOrEqual(2e-7 * Math.max(1, Math.abs(ddim[k]))));
  });

  it('differs from DDIM once the second-order correction applies (so the comparison above can fail)', () => {
    const schedule = manifest.schedule;
    const solver = new DpmSolverPP(schedule, 10);
    let ddim: Float32Array = Float32Array.from(X0);
    solver.timesteps.forEach((t, i) => {
      ddim = ddimStep(schedule, schedule.alphasCumprod[t], previousAlpha(schedule, solver.timesteps, i), ddim, model(ddim, t));
    });
    const expected = DIFFUSERS['v_prediction/10'];
    expect(Math.max(...expected.map((v, k) => Math.abs(ddim[k] - v) / Math.abs(v)))).toBeGreaterThan(1e-3);
  });

  it('refuses a step past the last and a prediction of the wrong length', () => {
    const solver = new DpmSolverPP(manifest.schedule, 1);
    const x = Float32Array.from(X0);
    expect(() => solver.step(x, new Float32Array(2))).toThrow(/differ in length/);
    solver.step(x, model(x, solver.timesteps[0]));
    expect(() => solver.step(x, model(x, 0))).toThrow(/all 1 steps are done/);
  });
});
