"""Stage: train the class-conditional DiT on VAE latents, with label dropout and EMA."""
from __future__ import annotations

from pathlib import Path

import torch
from torch.nn import functional as F

from .common import Batches, Ema, autocast, device, log, restore, save, train_loop
from .config import Config
from .data import BIRADS_CLASSES
from .nets.dit import DiT
from .schedule import alphas_cumprod


def build(cfg: Config) -> DiT:
    d = cfg.dit
    return DiT(cfg.latent_size, cfg.vae.latent_channels, len(BIRADS_CLASSES), d.patch, d.hidden, d.depth, d.heads, d.label_dropout)


def class_index(birads: torch.Tensor) -> torch.Tensor:
    lookup = torch.full((max(BIRADS_CLASSES) + 1,), -1, dtype=torch.long)
    lookup[list(BIRADS_CLASSES)] = torch.arange(len(BIRADS_CLASSES))
    idx = lookup[birads]
    if (idx < 0).any():
        raise ValueError(f"BI-RADS outside {BIRADS_CLASSES}")
    return idx


def diffusion_target(x0: torch.Tensor, noise: torch.Tensor, a: torch.Tensor, prediction_type: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(x_t, target) for clean latents x0 at alphas_cumprod a ([N,1,1,1])."""
    xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
    target = noise if prediction_type == "epsilon" else a.sqrt() * noise - (1 - a).sqrt() * x0
    return xt, target


def train(cfg: Config, latents: torch.Tensor, birads: torch.Tensor, run_dir: Path, budget_s: float | None = None) -> dict | None:
    dev = device()
    torch.manual_seed(cfg.seed + 1)
    labels = class_index(birads)
    model = build(cfg).to(dev)
    ema = Ema(model, cfg.dit.ema_decay)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.dit.lr, weight_decay=0.0)
    acp = torch.tensor(alphas_cumprod(cfg.dit.beta_schedule, cfg.dit.train_timesteps), dtype=torch.float32, device=dev)
    lat_dev, lab_dev = latents.to(dev), labels.to(dev)
    batches = Batches(len(latents), cfg.dit.batch, cfg.seed + 1)
    warmup = max(1, min(cfg.dit.steps // 50, 500))

    def step_fn(step: int) -> float:
        idx = torch.from_numpy(batches.next()).to(dev)
        x0, y = lat_dev[idx], model.drop_labels(lab_dev[idx])
        t = torch.randint(0, cfg.dit.train_timesteps, (len(idx),), device=dev)
        xt, target = diffusion_target(x0, torch.randn_like(x0), acp[t].view(-1, 1, 1, 1), cfg.dit.prediction_type)
        for g in opt.param_groups:
            g["lr"] = cfg.dit.lr * min(1.0, (step + 1) / warmup)
        with autocast(dev):
            loss = F.mse_loss(model(xt, t.float(), y).float(), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema.update(model, step)
        return loss.item()

    steps, seconds, finished = train_loop(run_dir / "dit.ckpt", {"dit": model, "ema": ema.model, "opt": opt}, cfg.dit.steps, step_fn, budget_s, "dit", cfg.dit.max_seconds)
    if not finished:
        return None
    result = {"seconds": seconds, "steps": steps, "params": sum(p.numel() for p in model.parameters()), "latents_per_s": steps * cfg.dit.batch / max(seconds, 1e-9)}
    save(run_dir / "dit.pt", model=ema.model.state_dict(), result=result)
    log(f"dit: {result['params'] / 1e6:.1f}M params, {steps} steps in {seconds:.0f} s")
    return result


def load_trained(cfg: Config, run_dir: Path) -> tuple[DiT, dict]:
    """The EMA weights: what ships."""
    return restore(run_dir / "dit.pt", build(cfg))
