"""Noise schedules, the schedulers (forward noising + DDIM step; DPM-Solver++(2M)) and the guided
sampler of docs/bundle-format.md, in numpy (no torch).

Pure functions: the reference the TypeScript sampler is checked against through parity.json.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

PREDICTION_TYPES = ("epsilon", "v_prediction")


def alphas_cumprod(schedule: str, steps: int) -> np.ndarray:
    """float64 [steps], as diffusers builds them ('linear': 1e-4..0.02; 'cosine': squaredcos_cap_v2)."""
    if steps < 2:
        raise ValueError(f"train timesteps must be at least 2, got {steps}")
    if schedule == "linear":
        betas = np.linspace(1e-4, 0.02, steps, dtype=np.float64)
    elif schedule == "scaled_linear":
        betas = np.linspace(1e-4**0.5, 0.012**0.5, steps, dtype=np.float64) ** 2
    elif schedule == "cosine":
        f = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
        betas = np.array([min(1 - f((i + 1) / steps) / f(i / steps), 0.999) for i in range(steps)], dtype=np.float64)
    else:
        raise ValueError(f"unknown beta schedule {schedule!r}")
    return np.cumprod(1.0 - betas)


def ddim_timesteps(train_steps: int, steps: int, spacing: str) -> list[int]:
    """Descending timesteps for `steps` sampling steps, as diffusers' DDIMScheduler.set_timesteps."""
    if not 1 <= steps <= train_steps:
        raise ValueError(f"steps must be in 1..{train_steps}, got {steps}")
    if spacing == "leading":
        ratio = train_steps // steps
        return [i * ratio for i in range(steps)][::-1]
    if spacing == "trailing":
        return [round(train_steps - i * train_steps / steps) - 1 for i in range(steps)]
    raise ValueError(f"unknown timestep spacing {spacing!r}")


def predict_x0(x: np.ndarray, pred: np.ndarray, a_t: float, prediction_type: str) -> np.ndarray:
    """The model output as the clean-sample prediction, in float32 (as ddim_step computes x0)."""
    f = np.float32
    x, pred = x.astype(np.float32), pred.astype(np.float32)
    st, s1t = f(math.sqrt(a_t)), f(math.sqrt(1 - a_t))
    if prediction_type == "epsilon":
        return (x - s1t * pred) / st
    if prediction_type == "v_prediction":
        return st * x - s1t * pred
    raise ValueError(f"unknown prediction type {prediction_type!r}")


def ddim_step(x: np.ndarray, pred: np.ndarray, a_t: float, a_prev: float, prediction_type: str) -> np.ndarray:
    """One eta = 0 DDIM step in float32, with float64 coefficients cast to float32."""
    f = np.float32
    x, pred = x.astype(np.float32), pred.astype(np.float32)
    x0 = predict_x0(x, pred, a_t, prediction_type)
    eps = pred if prediction_type == "epsilon" else f(math.sqrt(a_t)) * pred + f(math.sqrt(1 - a_t)) * x
    return (f(math.sqrt(a_prev)) * x0 + f(math.sqrt(1 - a_prev)) * eps).astype(np.float32)


def guide(cond: np.ndarray, uncond: np.ndarray, scale: float) -> np.ndarray:
    return (uncond + np.float32(scale) * (cond - uncond)).astype(np.float32)


class DDIMScheduler:
    """One model's noise schedule: the forward noising that training uses and the eta = 0 DDIM step
    that sampling uses, built from one configuration (diffusers' DDIMScheduler is the model:
    `set_timesteps`, `step`, `add_noise`, `get_velocity`).

    Forward noising takes numpy arrays or torch tensors (duck-typed, so this module needs no torch):
    the coefficients follow the sample's type, dtype and device.
    """

    def __init__(self, alphas_cumprod: np.ndarray, prediction_type: str, timestep_spacing: str, final_alpha_cumprod: str):
        if prediction_type not in PREDICTION_TYPES:
            raise ValueError(f"unknown prediction type {prediction_type!r}")
        self.alphas_cumprod = np.asarray(alphas_cumprod, dtype=np.float64)
        self.prediction_type, self.timestep_spacing = prediction_type, timestep_spacing
        self.final_alpha = 1.0 if final_alpha_cumprod == "one" else float(self.alphas_cumprod[0])
        self.timesteps: list[int] = []
        self._tables: dict = {}

    @classmethod
    def from_config(cls, dit) -> "DDIMScheduler":
        """From a config.DitConfig."""
        return cls(alphas_cumprod(dit.beta_schedule, dit.train_timesteps), dit.prediction_type, dit.timestep_spacing, dit.final_alpha_cumprod)

    @classmethod
    def from_manifest(cls, schedule: dict) -> "DDIMScheduler":
        """From a bundle manifest's `schedule` section."""
        return cls(np.array(schedule["alphasCumprod"]), schedule["predictionType"], schedule["timestepSpacing"], schedule["finalAlphaCumprod"])

    @property
    def num_train_timesteps(self) -> int:
        return len(self.alphas_cumprod)

    def set_timesteps(self, steps: int) -> list[int]:
        self.timesteps = ddim_timesteps(self.num_train_timesteps, steps, self.timestep_spacing)
        return self.timesteps

    def step(self, pred: np.ndarray, t: int, x: np.ndarray) -> np.ndarray:
        """x at timestep t -> x at the next of `timesteps` (after the last: the final alpha)."""
        i = self.timesteps.index(t)
        prev = float(self.alphas_cumprod[self.timesteps[i + 1]]) if i + 1 < len(self.timesteps) else self.final_alpha
        return ddim_step(x, pred, float(self.alphas_cumprod[t]), prev, self.prediction_type)

    def _alpha(self, t, like):
        """alphas_cumprod[t] shaped to broadcast over `like` ([N] -> [N,1,...])."""
        if hasattr(like, "new_tensor"):  # torch: one table per device and dtype
            key = (like.device, like.dtype)
            if key not in self._tables:
                self._tables[key] = like.new_tensor(self.alphas_cumprod)
            a = self._tables[key][t]
        else:
            a = self.alphas_cumprod[t].astype(like.dtype)
        return a.reshape(-1, *[1] * (like.ndim - 1))

    def add_noise(self, x0, noise, t):
        a = self._alpha(t, x0)
        return a**0.5 * x0 + (1 - a) ** 0.5 * noise

    def get_velocity(self, x0, noise, t):
        a = self._alpha(t, x0)
        return a**0.5 * noise - (1 - a) ** 0.5 * x0

    def training_target(self, x0, noise, t):
        """What the denoiser learns to predict at x_t = add_noise(x0, noise, t)."""
        return noise if self.prediction_type == "epsilon" else self.get_velocity(x0, noise, t)


class DPMSolverPPScheduler:
    """DPM-Solver++(2M) (Lu et al. 2022; diffusers' DPMSolverMultistepScheduler with algorithm_type
    "dpmsolver++", solver_order 2, solver_type "midpoint") on DDIM's timesteps: each step predicts
    x0 and moves in log-SNR, and from the second step on corrects with the previous x0. The first
    step, and the last when it lands on alpha = 1 or there are fewer than 15 steps, are first order
    (exactly DDIM's step). float64 coefficients cast to float32 once per step, float32 elementwise
    arithmetic in the order of src/generation/scheduler.ts's DpmSolverPP.
    """

    def __init__(self, ddim: DDIMScheduler):
        self.ddim = ddim
        self.timesteps: list[int] = []
        self._previous: tuple[np.ndarray, float] | None = None

    def set_timesteps(self, steps: int) -> list[int]:
        self.timesteps = self.ddim.set_timesteps(steps)
        self._previous = None
        return self.timesteps

    def step(self, pred: np.ndarray, t: int, x: np.ndarray) -> np.ndarray:
        f = np.float32
        i = self.timesteps.index(t)
        a_s = float(self.ddim.alphas_cumprod[t])
        a_t = float(self.ddim.alphas_cumprod[self.timesteps[i + 1]]) if i + 1 < len(self.timesteps) else self.ddim.final_alpha
        x = x.astype(np.float32)
        x0 = predict_x0(x, pred, a_s, self.ddim.prediction_type)
        if a_t >= 1:  # sigma_t = 0: alpha_t x0 whatever the order
            self._previous = None
            return (f(math.sqrt(a_t)) * x0).astype(np.float32)
        lam = lambda a: 0.5 * math.log(a / (1 - a))  # noqa: E731 (half log-SNR)
        lam_s, lam_t = lam(a_s), lam(a_t)
        h = lam_t - lam_s
        c1 = f(math.sqrt(1 - a_t) / math.sqrt(1 - a_s))
        c2 = f(-math.sqrt(a_t) * math.expm1(-h))
        last = i == len(self.timesteps) - 1
        if self._previous is None or (last and len(self.timesteps) < 15):
            out = c1 * x + c2 * x0
        else:
            prev_x0, prev_lam = self._previous
            r0 = (lam_s - prev_lam) / h
            c3 = f((0.5 * -math.sqrt(a_t) * math.expm1(-h)) / r0)
            out = (c1 * x + c2 * x0) + c3 * (x0 - prev_x0)
        self._previous = (x0, lam_s)
        return out.astype(np.float32)


SAMPLERS = {"DDIM": lambda ddim: ddim, "DPM_SOLVER_PP": DPMSolverPPScheduler}

Denoise = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def sample_guided(denoise: Denoise, noise: np.ndarray, labels: np.ndarray, null_label: int, guidance: float, scheduler, steps: int) -> tuple[list[int], list[np.ndarray]]:
    """Classifier-free-guided sampling from `noise` with `scheduler` (DDIMScheduler or
    DPMSolverPPScheduler); returns the timesteps and the latent after each step.

    Each step makes one denoiser call on 2N rows: the N conditional rows, then N null-label rows.
    """
    ts = scheduler.set_timesteps(steps)
    n = noise.shape[0]
    both_labels = np.concatenate([labels, np.full(n, null_label)]).astype(np.int64)
    x = noise.astype(np.float32)
    latents = []
    for t in ts:
        pred = denoise(np.concatenate([x, x]), np.full(2 * n, t, dtype=np.float32), both_labels)
        x = scheduler.step(guide(pred[:n], pred[n:], guidance), t, x)
        latents.append(x)
    return ts, latents
