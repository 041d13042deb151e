"""Stage: train the VAE, fix the latent scale factor, measure validation PSNR."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from .common import Batches, autocast, device, finish_stage, optimize, restore, to_model_range, train_loop
from .config import Config
from .nets.vae import VAE, vae_loss
from .pack import Pack


def build(cfg: Config) -> VAE:
    return VAE(cfg.vae.widths, cfg.vae.latent_channels)


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR in dB for images in [-1,1] (peak-to-peak 2)."""
    mse = ((a.clamp(-1, 1) - b) ** 2).mean(dim=(1, 2, 3))
    return 10 * torch.log10(4.0 / mse.clamp_min(1e-12))


@torch.no_grad()
def encode_means(vae: VAE, images: torch.Tensor, dev: torch.device, batch: int = 64) -> torch.Tensor:
    return torch.cat([vae.encoder(images[i : i + batch].to(dev))[0].float().cpu() for i in range(0, len(images), batch)])


@torch.no_grad()
def decode(vae: VAE, z: torch.Tensor, dev: torch.device, batch: int = 64) -> torch.Tensor:
    return torch.cat([vae.decoder(z[i : i + batch].to(dev)).float().cpu() for i in range(0, len(z), batch)])


def train(cfg: Config, pack: Pack, run_dir: Path, budget_s: float | None = None) -> dict | None:
    """Returns the finished result ({scale_factor, psnr, seconds, steps}) or None if out of budget."""
    dev = device()
    torch.manual_seed(cfg.seed)
    train_x = to_model_range(pack.images[~pack.is_val]).to(dev)
    vae = build(cfg).to(dev)
    opt = torch.optim.AdamW(vae.parameters(), lr=cfg.vae.lr, weight_decay=0.0)
    batches = Batches(len(train_x), cfg.vae.batch, cfg.seed)

    def step_fn(step: int, progress: float) -> float:
        x = train_x[torch.from_numpy(batches.next()).to(dev)]
        x = torch.where(torch.rand(len(x), 1, 1, 1, device=dev) < 0.5, x.flip(-1), x)
        with autocast(dev, cfg.cpu_bf16):
            recon, mean, logvar = vae(x)
            loss = vae_loss(x, recon.float(), mean.float(), logvar.float(), cfg.vae.kl_weight)
        return optimize(opt, loss)

    steps, seconds, finished = train_loop(run_dir / "vae.ckpt", {"vae": vae, "opt": opt}, cfg.vae.steps, step_fn, budget_s, "vae", cfg.vae.max_seconds)
    if not finished:
        return None
    vae.eval()
    z = encode_means(vae, train_x, dev)
    scale = 1.0 / float(z.std())
    val_x = to_model_range(pack.images[pack.is_val])
    val_psnr = float(psnr(decode(vae, encode_means(vae, val_x, dev), dev), val_x).mean())
    return finish_stage(run_dir, "vae", vae, steps, seconds, scale_factor=scale, val_psnr_db=val_psnr)


def load_trained(cfg: Config, run_dir: Path) -> tuple[VAE, dict]:
    return restore(run_dir / "vae.pt", build(cfg))


def latent_dataset(vae: VAE, pack: Pack, scale: float, dev: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Scaled latent means of every training image and of its mirror image (flip augmentation)."""
    x = to_model_range(pack.images[~pack.is_val])
    z = torch.cat([encode_means(vae.to(dev), x, dev), encode_means(vae, x.flip(-1), dev)]) * scale
    if not math.isfinite(float(z.std())):
        raise FloatingPointError("VAE latents are not finite: the VAE diverged")
    return z, torch.from_numpy(np.concatenate([pack.birads[~pack.is_val]] * 2))
