"""The numpy reference samplers: timesteps as diffusers spaces them, steps that recover x0,
DPM-Solver++(2M) as diffusers computes it."""
import json
import pathlib

import numpy as np
import pytest

from factory.config import TINY
from factory.schedule import DDIMScheduler, DPMSolverPPScheduler, alphas_cumprod, ddim_step, ddim_timesteps, guide, sample_guided


def test_timestep_spacings_match_diffusers():
    assert ddim_timesteps(1000, 10, "leading") == [900, 800, 700, 600, 500, 400, 300, 200, 100, 0]
    assert ddim_timesteps(1000, 10, "trailing") == [999, 899, 799, 699, 599, 499, 399, 299, 199, 99]
    # 1000/16 = 62.5: 812.5 rounds half to even (812, then -1), as np.round does in diffusers
    assert ddim_timesteps(1000, 16, "trailing")[:4] == [999, 937, 874, 811]


def test_timesteps_reject_bad_requests():
    with pytest.raises(ValueError, match="steps"):
        ddim_timesteps(1000, 0, "leading")
    with pytest.raises(ValueError, match="spacing"):
        ddim_timesteps(1000, 10, "middle")


@pytest.mark.parametrize("schedule", ["linear", "scaled_linear", "cosine"])
def test_alphas_cumprod_decrease_inside_unit_interval(schedule):
    acp = alphas_cumprod(schedule, 1000)
    assert acp.shape == (1000,) and acp.dtype == np.float64
    assert np.all(np.diff(acp) < 0) and acp[-1] > 0 and acp[0] < 1


def test_linear_schedule_first_value():
    assert alphas_cumprod("linear", 1000)[0] == pytest.approx(1 - 1e-4, abs=1e-15)


@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction"])
def test_exact_prediction_moves_along_the_forward_process(prediction_type):
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((2, 4, 8, 8)).astype(np.float32)
    eps = rng.standard_normal((2, 4, 8, 8)).astype(np.float32)
    a_t, a_prev = 0.3, 0.8
    xt = np.sqrt(a_t) * x0 + np.sqrt(1 - a_t) * eps
    pred = eps if prediction_type == "epsilon" else np.sqrt(a_t) * eps - np.sqrt(1 - a_t) * x0
    out = ddim_step(xt, pred, a_t, a_prev, prediction_type)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.sqrt(a_prev) * x0 + np.sqrt(1 - a_prev) * eps, atol=1e-5)
    np.testing.assert_allclose(ddim_step(xt, pred, a_t, 1.0, prediction_type), x0, atol=1e-5)


def test_guidance_one_is_the_conditional_prediction():
    c, u = np.full(3, 2.0, np.float32), np.zeros(3, np.float32)
    np.testing.assert_array_equal(guide(c, u, 1.0), c)
    np.testing.assert_array_equal(guide(c, u, 3.0), np.full(3, 6.0, np.float32))


def test_sampler_calls_the_denoiser_with_conditional_rows_then_null_rows():
    calls = []

    def denoise(latent, timestep, label):
        calls.append((latent.shape, timestep.copy(), label.copy()))
        return np.zeros_like(latent)

    noise = np.ones((2, 4, 8, 8), np.float32)
    ts, latents = sample_guided(denoise, noise, np.array([0, 3]), 4, 2.0, DDIMScheduler(alphas_cumprod("cosine", 1000), "v_prediction", "trailing", "one"), 5)
    assert len(calls) == 5 and len(latents) == 5
    assert all(shape == (4, 4, 8, 8) for shape, _, _ in calls)
    assert all(list(lab) == [0, 3, 4, 4] for _, _, lab in calls)
    assert [int(t[0]) for _, t, _ in calls] == ts
    # v = 0 means x0 = sqrt(a_t) x: the last step (to alpha 1) returns exactly that
    assert np.all(np.isfinite(latents[-1]))


def scheduler(prediction_type="v_prediction", final="one"):
    return DDIMScheduler(np.array([0.9, 0.5, 0.25, 0.1]), prediction_type, "trailing", final)


def test_scheduler_is_built_from_the_model_config():
    s = DDIMScheduler.from_config(TINY.dit)
    np.testing.assert_array_equal(s.alphas_cumprod, alphas_cumprod("cosine", 1000))
    assert (s.prediction_type, s.timestep_spacing, s.final_alpha, s.num_train_timesteps) == ("v_prediction", "trailing", 1.0, 1000)
    assert s.set_timesteps(10) == s.timesteps == ddim_timesteps(1000, 10, "trailing")
    with pytest.raises(ValueError, match="prediction type"):
        DDIMScheduler(np.array([0.9, 0.5]), "sample", "trailing", "one")


def test_add_noise_and_velocity_reference_numbers():
    s = scheduler()
    x0, noise = np.array([[1.0], [2.0]], np.float32), np.array([[3.0], [-1.0]], np.float32)
    t = np.array([1, 3])  # alphas 0.5 and 0.1
    xt = s.add_noise(x0, noise, t)
    assert xt.dtype == np.float32
    np.testing.assert_allclose(xt, [[np.sqrt(0.5) * 1 + np.sqrt(0.5) * 3], [np.sqrt(0.1) * 2 - np.sqrt(0.9)]], rtol=1e-6)
    np.testing.assert_allclose(s.get_velocity(x0, noise, t), [[np.sqrt(0.5) * 3 - np.sqrt(0.5) * 1], [-np.sqrt(0.1) - np.sqrt(0.9) * 2]], rtol=1e-6)
    assert s.training_target(x0, noise, t) is not noise
    assert scheduler("epsilon").training_target(x0, noise, t) is noise


@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction"])
def test_step_undoes_add_noise_with_an_exact_prediction(prediction_type):
    s = scheduler(prediction_type, final="first")
    rng = np.random.default_rng(2)
    x0, eps = rng.standard_normal((2, 4, 3, 3)).astype(np.float32), rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    assert s.set_timesteps(2) == [3, 1]
    t = np.array([3, 3])
    x = s.step(s.training_target(x0, eps, t), 3, s.add_noise(x0, eps, t))
    np.testing.assert_allclose(x, s.add_noise(x0, eps, np.array([1, 1])), atol=1e-5)
    # after the last timestep: the final alpha ("first": alphas_cumprod[0] = 0.9)
    x = s.step(s.training_target(x0, eps, np.array([1, 1])), 1, x)
    np.testing.assert_allclose(x, s.add_noise(x0, eps, np.array([0, 0])), atol=1e-5)


# diffusers' DPMSolverMultistepScheduler (dpmsolver++, order 2, midpoint, trailing, final sigma zero)
# on the fixture's cosine schedule with the stand-in model 0.7 x + 0.05 sin(k + t / 100): printed
# by tests/generation/reference/dpm_solver_diffusers.py (the same numbers the TypeScript test uses).
DIFFUSERS_DPM = {
    ("epsilon", 10): [604.0040193047128, -1110.891303019578, 2143.586502234058, 32.411398132339606, -476.4113227007837, 707.8802063873615],
    ("v_prediction", 10): [0.1470782440266207, -0.4119711575697587, 0.6638084681186038, 0.049213833007774516, -0.09135860502307329, 0.2513751810252991],
    ("v_prediction", 20): [0.15438146997234253, -0.42294246532612306, 0.6688740709940002, 0.04482871906895101, -0.09114808283865636, 0.2636888686480807],
}


def _fixture_schedule(prediction_type):
    manifest = json.loads((pathlib.Path(__file__).resolve().parents[2] / "tests/fixtures/tiny-bundle/manifest.json").read_text())
    return DDIMScheduler.from_manifest({**manifest["schedule"], "predictionType": prediction_type})


@pytest.mark.parametrize("prediction_type,steps", sorted(DIFFUSERS_DPM))
def test_dpm_solver_pp_matches_diffusers(prediction_type, steps):
    s = DPMSolverPPScheduler(_fixture_schedule(prediction_type))
    x = np.array([0.5, -1.25, 2.0, 0.1, -0.3, 0.8], dtype=np.float32)
    k = np.arange(6)
    for t in s.set_timesteps(steps):
        x = s.step((0.7 * x + 0.05 * np.sin(k + t / 100)).astype(np.float32), t, x)
    np.testing.assert_allclose(x, DIFFUSERS_DPM[(prediction_type, steps)], rtol=1e-4, atol=1e-6)


def test_dpm_solver_pp_first_step_is_ddim():
    ddim = _fixture_schedule("v_prediction")
    s = DPMSolverPPScheduler(_fixture_schedule("v_prediction"))
    ts = s.set_timesteps(10)
    ddim.set_timesteps(10)
    x = np.array([0.5, -1.25, 2.0], dtype=np.float32)
    pred = np.array([0.3, -0.7, 1.1], dtype=np.float32)
    np.testing.assert_allclose(s.step(pred, ts[0], x), ddim.step(pred, ts[0], x), rtol=2e-7, atol=0)
