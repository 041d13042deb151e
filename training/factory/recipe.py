"""Training-recipe schedules as pure functions of the step (no torch): testable against reference numbers."""
from __future__ import annotations


def ema_decay(decay: float, step: int) -> float:
    """EMA decay with warm-up, min(decay, (1 + t) / (10 + t)): early averages forget the random
    initial weights (a fixed 0.9995 keeps 5% of them after 6,000 steps)."""
    return min(decay, (1 + step) / (10 + step))
