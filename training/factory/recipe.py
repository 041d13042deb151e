"""Training-recipe schedules as pure functions of the step (no torch): testable against reference numbers."""
from __future__ import annotations

import math

import numpy as np


def ema_decay(decay: float, step: int) -> float:
    """EMA decay with warm-up, min(decay, (1 + t) / (10 + t)): early averages forget the random
    initial weights (a fixed 0.9995 keeps 5% of them after 6,000 steps)."""
    return min(decay, (1 + step) / (10 + step))


def min_snr_weights(alphas_cumprod: np.ndarray, gamma: float, prediction_type: str) -> np.ndarray:
    """Min-SNR-gamma loss weight of each timestep (Hang et al. 2023) for the MSE on the model's own
    target: the x0-space weight min(SNR, gamma), divided by what that target's MSE already weighs
    (SNR for epsilon, SNR + 1 for v). Keeps the easy low-noise steps from dominating training."""
    snr = alphas_cumprod / (1 - alphas_cumprod)
    return np.minimum(snr, gamma) / (snr if prediction_type == "epsilon" else snr + 1)


def lr_factor(step: int, progress: float, warmup_steps: int) -> float:
    """Linear warm-up over `warmup_steps`, then cosine decay to 0 as `progress` (the stage's share
    done, by steps or by its time cap) goes from 0 to 1."""
    return min(1.0, (step + 1) / warmup_steps) * 0.5 * (1 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))
