"""Stage: train the copy-detection embedder contrastively on the copy augmentations."""
from __future__ import annotations

from pathlib import Path

import torch

from .augment import copy_augment
from .common import Batches, autocast, device, device_of, finish_stage, optimize, restore, to_model_range, train_loop
from .config import Config
from .nets.embedder import Embedder, nt_xent
from .pack import Pack


def build(cfg: Config) -> Embedder:
    return Embedder(cfg.embedder.widths, cfg.embedder.dim)


def train(cfg: Config, pack: Pack, run_dir: Path, budget_s: float | None = None) -> dict | None:
    dev = device()
    torch.manual_seed(cfg.seed + 2)
    x = to_model_range(pack.images[~pack.is_val]).to(dev)
    model = build(cfg).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.embedder.lr, weight_decay=1e-4)
    batches = Batches(len(x), cfg.embedder.batch, cfg.seed + 2)
    gen = torch.Generator(device=dev).manual_seed(cfg.seed + 2)

    def step_fn(step: int, progress: float) -> float:
        b = x[torch.from_numpy(batches.next()).to(dev)]
        with autocast(dev, cfg.cpu_bf16):
            loss = nt_xent(model(copy_augment(b, gen)).float(), model(copy_augment(b, gen)).float(), cfg.embedder.temperature)
        return optimize(opt, loss)

    steps, seconds, finished = train_loop(run_dir / "embedder.ckpt", {"embedder": model, "opt": opt}, cfg.embedder.steps, step_fn, budget_s, "embedder", cfg.embedder.max_seconds)
    if not finished:
        return None
    return finish_stage(run_dir, "embedder", model, steps, seconds)


def load_trained(cfg: Config, run_dir: Path) -> tuple[Embedder, dict]:
    return restore(run_dir / "embedder.pt", build(cfg))


@torch.no_grad()
def embed(model: Embedder, images: torch.Tensor, batch: int = 128) -> torch.Tensor:
    """Embeddings on the CPU, computed where the model is (it is not moved: callers place it)."""
    dev = device_of(model.eval())
    return torch.cat([model(images[i : i + batch].to(dev)).float().cpu() for i in range(0, len(images), batch)])
