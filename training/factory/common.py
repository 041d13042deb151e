"""Shared training plumbing: device choice, image tensors, EMA, checkpoints."""
from __future__ import annotations

import copy
import time
from contextlib import nullcontext
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch
from torch import nn

from .recipe import ema_decay


def device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def device_of(module: nn.Module) -> torch.device:
    """Where a module's weights are: its inputs go there (never assume the CPU)."""
    return next(module.parameters()).device


def autocast(dev: torch.device, cpu_bf16: bool = False):
    """bf16 autocast on CUDA; fp32 on the CPU (bf16 is slow on most CPUs) unless `cpu_bf16`."""
    if dev.type == "cuda" or cpu_bf16:
        return torch.autocast(dev.type, dtype=torch.bfloat16)
    return nullcontext()


def to_model_range(u8: np.ndarray) -> torch.Tensor:
    """uint8 [N,H,W] -> float32 [N,1,H,W] in [-1,1] (u8 / 127.5 - 1, as the bundle format says)."""
    return torch.from_numpy(u8.astype(np.float32) / 127.5 - 1).unsqueeze(1)


def to_u8(x: torch.Tensor | np.ndarray) -> np.ndarray:
    a = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x
    return np.clip(np.rint((a + 1) * 127.5), 0, 255).astype(np.uint8)


class Ema:
    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module, step: int) -> None:
        keep = ema_decay(self.decay, step)
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.lerp_(p.detach(), 1 - keep)


def optimize(opt: torch.optim.Optimizer, loss: torch.Tensor, clip_norm: float | None = None) -> float:
    """One optimizer step on `loss` (gradients clipped to `clip_norm` when given); returns the loss."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if clip_norm is not None:
        torch.nn.utils.clip_grad_norm_([p for g in opt.param_groups for p in g["params"]], clip_norm)
    opt.step()
    return loss.item()


class Batches:
    """Endless shuffled mini-batches of row indices, from a seeded generator."""

    def __init__(self, n: int, batch: int, seed: int):
        self.n, self.batch = n, batch
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(n)
        self.pos = 0

    def next(self) -> np.ndarray:
        if self.pos + self.batch > self.n:
            self.order, self.pos = self.rng.permutation(self.n), 0
        idx = self.order[self.pos : self.pos + min(self.batch, self.n)]
        self.pos += len(idx)
        return idx


class Timer:
    def __init__(self) -> None:
        self.start = time.time()

    def seconds(self) -> float:
        return time.time() - self.start


M = TypeVar("M", bound=torch.nn.Module)
CHECKPOINT_EVERY_S = 60


def save(path: Path, **state) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def load(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=False)


def restore(path: Path, model: M) -> tuple[M, dict]:
    """A finished stage saved by `save(path, model=..., result=...)`: its weights into `model` (in eval mode) and its result."""
    saved = load(path)
    model.load_state_dict(saved["model"])
    return model.eval(), saved["result"]


def finish_stage(run_dir: Path, name: str, model: nn.Module, steps: int, seconds: float, **extra) -> dict:
    """Saves a finished stage as `<name>.pt` (its weights and result, what `restore` reads) and logs it."""
    result = {"seconds": seconds, "steps": steps, "params": sum(p.numel() for p in model.parameters()), **extra}
    save(run_dir / f"{name}.pt", model=model.state_dict(), result=result)
    log(f"{name}: {result['params'] / 1e6:.2f}M params, {steps} steps in {seconds:.0f} s" + "".join(f", {k} {v:.4g}" for k, v in extra.items()))
    return result


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def train_loop(ckpt: Path, state: dict, total_steps: int, step_fn, budget_s: float | None, name: str, max_seconds: float | None = None, derived: dict[str, str] | None = None) -> tuple[int, float, bool]:
    """Runs step_fn(step, progress) -> loss until total_steps or max_seconds of training, resuming from
    and saving to `ckpt`; progress is the stage's share done (by steps or by its time cap, whichever
    is further), for learning-rate schedules.

    `state` maps names to objects with state_dict/load_state_dict (models, optimizers). A checkpoint
    carried back from a lost machine lacks some (resume.LEFT_OUT): `derived` names the state each
    missing one starts from (the EMA from the model); the others start fresh.
    `max_seconds` caps the stage (so a GPU run fits its device time whatever the throughput);
    `budget_s` only pauses it, after saving, so the same command can continue later.
    Returns (steps done, training seconds over all calls, finished).
    """
    step, elapsed = 0, 0.0
    if ckpt.exists():
        saved = load(ckpt)
        for k, obj in state.items():
            source = k if k in saved else (derived or {}).get(k)
            if source in saved:
                obj.load_state_dict(saved[source])
            if source != k:
                log(f"{name}: no {k} state in the checkpoint, starting it " + (f"from {source}" if source in saved else "fresh"))
        step, elapsed = saved["step"], saved["elapsed"]
        log(f"{name}: resumed at step {step}")
    timer, last_log, last_ckpt = Timer(), 0.0, 0.0
    losses: list[float] = []

    def capped() -> bool:
        return max_seconds is not None and elapsed + timer.seconds() >= max_seconds

    def checkpoint() -> None:
        save(ckpt, step=step, elapsed=elapsed + timer.seconds(), **{k: obj.state_dict() for k, obj in state.items()})

    def progress() -> float:
        by_time = (elapsed + timer.seconds()) / max_seconds if max_seconds else 0.0
        return min(1.0, max(step / total_steps, by_time))  # the cap can pass between the check and here

    while step < total_steps and not capped():
        losses.append(float(step_fn(step, progress())))
        step += 1
        if timer.seconds() - last_log > 30 or step == total_steps:
            last_log = timer.seconds()
            log(f"{name}: step {step}/{total_steps} loss {np.mean(losses[-50:]):.4f} ({step / max(elapsed + timer.seconds(), 1e-9):.1f} it/s)")
        if timer.seconds() - last_ckpt > CHECKPOINT_EVERY_S:  # what a lost machine's next one resumes from
            last_ckpt = timer.seconds()
            checkpoint()
        if budget_s is not None and timer.seconds() > budget_s:
            break
    finished = step >= total_steps or capped()
    checkpoint()
    elapsed += timer.seconds()
    if finished and step < total_steps:
        log(f"{name}: time cap {max_seconds} s reached at step {step}")
    return step, elapsed, finished
