import { DdimSchedule, ddimStep, ddimTimesteps, guide, previousAlpha } from '../../src/generation/scheduler';

function schedule(overrides: Partial<DdimSchedule> = {}): DdimSchedule {
  return {
    trainTimesteps: 1000,
    alphasCumprod: Array.from({ length: 1000 }, (_, t) => 1 - t / 1000),
    predictionType: 'epsilon',
    timestepSpacing: 'leading',
    finalAlphaCumprod: 'one',
    ...overrides,
  };
}

// Reference numbers: training/factory/schedule.py (numpy, float32 arithmetic with float64
// coefficients rounded to float32), the Python side of the bundle contract, e.g.
//   ddim_step(np.float32([0.5, -1.25, 2.0, 0.1]), np.float32([0.3, -0.7, 1.1, -0.05]), a_t, a_prev, 'epsilon')
// with a_t = alphas_cumprod('linear', 1000)[900] and a_prev = [...][800] (the float64 values below).
const A900 = 0.0002702445195582643;
const A800 = 0.0015075210597816765;
const A99 = 0.89701814567496;
const X = Float32Array.from([0.5, -1.25, 2.0, 0.1]);
const PRED = Float32Array.from([0.3, -0.7, 1.1, -0.05]);

describe('ddimTimesteps', () => {
  it('leading spacing gives diffusers DDIMScheduler timesteps', () => {
    expect(ddimTimesteps(schedule(), 10)).toEqual([900, 800, 700, 600, 500, 400, 300, 200, 100, 0]);
  });

  it('trailing spacing rounds half to even like numpy', () => {
    const s = schedule({ timestepSpacing: 'trailing' });
    expect(ddimTimesteps(s, 10)).toEqual([999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
    // 1000 - 3 * 62.5 = 812.5 rounds to 812 (numpy / Python), not 813 (Math.round).
    expect(ddimTimesteps(s, 16)).toEqual([999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61]);
  });

  it('refuses a step count outside 1..T', () => {
    expect(() => ddimTimesteps(schedule(), 0)).toThrow(/steps/);
    expect(() => ddimTimesteps(schedule(), 1001)).toThrow(/steps/);
  });
});

describe('previousAlpha', () => {
  it('uses the next timestep, then the final alpha (1 or alphas_cumprod[0])', () => {
    const s = schedule();
    const ts = ddimTimesteps(s, 10);
    expect(previousAlpha(s, ts, 0)).toBe(s.alphasCumprod[800]);
    expect(previousAlpha(s, ts, 9)).toBe(1);
    expect(previousAlpha(schedule({ finalAlphaCumprod: 'first' }), ts, 9)).toBe(1);
    expect(previousAlpha({ ...s, alphasCumprod: s.alphasCumprod.map((a) => a * 0.5), finalAlphaCumprod: 'first' }, ts, 9)).toBe(0.5);
  });
});

describe('ddimStep', () => {
  it('epsilon prediction matches the numpy reference exactly', () => {
    expect(ddimStep(schedule(), A900, A800, X, PRED)).toEqual(
      Float32Array.from([0.7722405195236206, -1.998715877532959, 3.225191116333008, 0.3043000102043152]),
    );
    expect(ddimStep(schedule(), A99, 1, X, PRED)).toEqual(
      Float32Array.from([0.42627304792404175, -1.082624077796936, 1.7389750480651855, 0.12252572923898697]),
    );
  });

  it('v prediction matches the numpy reference exactly', () => {
    const s = schedule({ predictionType: 'v_prediction' });
    expect(ddimStep(s, A900, A800, X, PRED)).toEqual(
      Float32Array.from([0.4931561350822449, -1.234010100364685, 1.9748640060424805, 0.10109466314315796]),
    );
    expect(ddimStep(s, A99, 1, X, PRED)).toEqual(
      Float32Array.from([0.37728285789489746, -0.9592524766921997, 1.5412222146987915, 0.11075643450021744]),
    );
  });

  it('with a perfect epsilon, the last step to alpha 1 returns the clean sample', () => {
    // x_t = sqrt(a) x0 + sqrt(1 - a) eps, so predicting eps exactly must give back x0.
    const x0 = Float32Array.from([0.25, -0.5, 0.75]);
    const eps = Float32Array.from([1, -2, 0.5]);
    const a = 0.64;
    const xt = x0.map((v, i) => Math.sqrt(a) * v + Math.sqrt(1 - a) * eps[i]);
    const out = ddimStep(schedule(), a, 1, xt, eps);
    out.forEach((v, i) => expect(v).toBeCloseTo(x0[i], 6));
  });
});

describe('guide', () => {
  it('is uncond + g (cond - uncond), matching numpy', () => {
    const cond = Float32Array.from([1.0, -2.0, 0.25, 3.5]);
    const uncond = Float32Array.from([0.5, 0.5, -0.25, 3.0]);
    expect(guide(cond, uncond, 4.5)).toEqual(Float32Array.from([2.75, -10.75, 2.0, 5.25]));
    expect(guide(cond, uncond, 1)).toEqual(cond);
  });
});
