"""Reference numbers for tests/generation/dpm-solver.test.ts from diffusers' own DPM-Solver++(2M).

Not run by the test suite (it needs torch and diffusers); run by hand to regenerate:
    pip install torch diffusers==0.35.2 && python3 tests/generation/reference/dpm_solver_diffusers.py
It samples with DPMSolverMultistepScheduler (dpmsolver++, order 2, midpoint, trailing spacing,
final sigma zero) on the tiny fixture's cosine schedule, with a fixed stand-in "model"
(prediction = 0.7 x + 0.05 sin(k + t / 100) for element k at timestep t), and prints the latents
after the last step for both prediction types and 3, 10 and 20 steps.
"""
import json
import math
import pathlib

import numpy as np
import torch
from diffusers import DPMSolverMultistepScheduler

ROOT = pathlib.Path(__file__).resolve().parents[3]
schedule = json.loads((ROOT / "tests/fixtures/tiny-bundle/manifest.json").read_text())["schedule"]
ac = np.array(schedule["alphasCumprod"], dtype=np.float64)
betas = 1 - ac / np.concatenate([[1.0], ac[:-1]])

x_init = np.array([0.5, -1.25, 2.0, 0.1, -0.3, 0.8], dtype=np.float64)


def model(x: torch.Tensor, t: int) -> torch.Tensor:
    k = torch.arange(x.shape[0], dtype=torch.float64)
    return 0.7 * x + 0.05 * torch.sin(k + t / 100)


out = {}
for prediction in ("epsilon", "v_prediction"):
    for steps in (3, 10, 20):
        s = DPMSolverMultistepScheduler(
            num_train_timesteps=1000, trained_betas=betas.tolist(), prediction_type=prediction,
            algorithm_type="dpmsolver++", solver_order=2, solver_type="midpoint", lower_order_final=True,
            timestep_spacing="trailing", final_sigmas_type="zero",
        )
        s.set_timesteps(steps)
        x = torch.tensor(x_init, dtype=torch.float64)
        for t in s.timesteps:
            x = s.step(model(x, int(t)), t, x).prev_sample
        out[f"{prediction}/{steps}"] = {"timesteps": [int(t) for t in s.timesteps], "x": [float(v) for v in x]}
print(json.dumps(out, indent=1))
