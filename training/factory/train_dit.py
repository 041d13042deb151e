"""Stage: train the class-conditional DiT on VAE latents, with label dropout and EMA."""
from __future__ import annotations

from pathlib import Path

import torch
from torch.nn import functional as F

from .common import Batches, Ema, autocast, device, finish_stage, optimize, restore, train_loop
from .config import Config
from .data import BIRADS_CLASSES
from .nets.dit import DiT
from .recipe import lr_factor, min_snr_weights
from .schedule import DDIMScheduler


def build(cfg: Config) -> DiT:
    return DiT(arch=cfg.dit.arch, latent_size=cfg.latent_size, channels=cfg.vae.latent_channels, num_classes=len(BIRADS_CLASSES), label_dropout=cfg.dit.label_dropout)


def class_index(birads: torch.Tensor) -> torch.Tensor:
    lookup = torch.full((max(BIRADS_CLASSES) + 1,), -1, dtype=torch.long)
    lookup[list(BIRADS_CLASSES)] = torch.arange(len(BIRADS_CLASSES))
    idx = lookup[birads]
    if (idx < 0).any():
        raise ValueError(f"BI-RADS outside {BIRADS_CLASSES}")
    return idx


def train(cfg: Config, latents: torch.Tensor, birads: torch.Tensor, run_dir: Path, budget_s: float | None = None) -> dict | None:
    dev = device()
    torch.manual_seed(cfg.seed + 1)
    labels = class_index(birads)
    model = build(cfg).to(dev)
    ema = Ema(model, cfg.dit.ema_decay)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.dit.lr, weight_decay=0.0)
    scheduler = DDIMScheduler.from_config(cfg.dit)
    lat_dev, lab_dev = latents.to(dev), labels.to(dev)
    batches = Batches(len(latents), cfg.dit.batch, cfg.seed + 1)
    warmup = max(1, min(cfg.dit.steps // 50, 500))
    weights = torch.tensor(min_snr_weights(scheduler.alphas_cumprod, cfg.dit.min_snr_gamma, cfg.dit.prediction_type), dtype=torch.float32, device=dev)

    def step_fn(step: int, progress: float) -> float:
        idx = torch.from_numpy(batches.next()).to(dev)
        x0, y = lat_dev[idx], model.drop_labels(lab_dev[idx])
        t = torch.randint(0, scheduler.num_train_timesteps, (len(idx),), device=dev)
        noise = torch.randn_like(x0)
        xt, target = scheduler.add_noise(x0, noise, t), scheduler.training_target(x0, noise, t)
        for g in opt.param_groups:
            g["lr"] = cfg.dit.lr * lr_factor(step, progress, warmup)
        with autocast(dev, cfg.cpu_bf16):
            pred = model(xt, t.float(), y).float()
        per_sample = F.mse_loss(pred, target, reduction="none").mean(dim=(1, 2, 3))
        loss = optimize(opt, (weights[t] * per_sample).mean(), clip_norm=1.0)
        ema.update(model, step)
        return loss

    steps, seconds, finished = train_loop(run_dir / "dit.ckpt", {"dit": model, "ema": ema.model, "opt": opt}, cfg.dit.steps, step_fn, budget_s, "dit", cfg.dit.max_seconds, derived={"ema": "dit"})
    if not finished:
        return None
    return finish_stage(run_dir, "dit", ema.model, steps, seconds, latents_per_s=steps * cfg.dit.batch / max(seconds, 1e-9))  # the EMA weights ship


def load_trained(cfg: Config, run_dir: Path) -> tuple[DiT, dict]:
    """The EMA weights: what ships."""
    return restore(run_dir / "dit.pt", build(cfg))
