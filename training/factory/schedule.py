"""Noise schedules and the DDIM (eta = 0) sampler of docs/bundle-format.md, in numpy (no torch).

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


def ddim_step(x: np.ndarray, pred: np.ndarray, a_t: float, a_prev: float, prediction_type: str) -> np.ndarray:
    """One eta = 0 DDIM step in float32, with float64 coefficients cast to float32."""
    f = np.float32
    x, pred = x.astype(np.float32), pred.astype(np.float32)
    st, s1t = f(math.sqrt(a_t)), f(math.sqrt(1 - a_t))
    if prediction_type == "epsilon":
        eps = pred
        x0 = (x - s1t * eps) / st
    elif prediction_type == "v_prediction":
        x0 = st * x - s1t * pred
        eps = st * pred + s1t * x
    else:
        raise ValueError(f"unknown prediction type {prediction_type!r}")
    return (f(math.sqrt(a_prev)) * x0 + f(math.sqrt(1 - a_prev)) * eps).astype(np.float32)


def guide(cond: np.ndarray, uncond: np.ndarray, scale: float) -> np.ndarray:
    return (uncond + np.float32(scale) * (cond - uncond)).astype(np.float32)


Denoise = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def sample_ddim(
    denoise: Denoise,
    noise: np.ndarray,
    labels: np.ndarray,
    null_label: int,
    guidance: float,
    acp: np.ndarray,
    steps: int,
    spacing: str,
    final_alpha: str,
    prediction_type: str,
) -> tuple[list[int], list[np.ndarray]]:
    """Classifier-free-guided DDIM from `noise`; returns the timesteps and the latent after each step.

    Each step makes one denoiser call on 2N rows: the N conditional rows, then N null-label rows.
    """
    ts = ddim_timesteps(len(acp), steps, spacing)
    final = 1.0 if final_alpha == "one" else float(acp[0])
    n = noise.shape[0]
    both_labels = np.concatenate([labels, np.full(n, null_label)]).astype(np.int64)
    x = noise.astype(np.float32)
    latents = []
    for i, t in enumerate(ts):
        pred = denoise(np.concatenate([x, x]), np.full(2 * n, t, dtype=np.float32), both_labels)
        x = ddim_step(x, guide(pred[:n], pred[n:], guidance), float(acp[t]), float(acp[ts[i + 1]]) if i + 1 < len(ts) else final, prediction_type)
        latents.append(x)
    return ts, latents
