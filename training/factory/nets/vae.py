"""A small convolutional VAE with downsampling factor 8 (three stride-2 stages)."""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def _norm(ch: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(32, ch // 4), ch)


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.body = nn.Sequential(_norm(cin), nn.SiLU(), nn.Conv2d(cin, cout, 3, padding=1), _norm(cout), nn.SiLU(), nn.Conv2d(cout, cout, 3, padding=1))
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.skip(x) + self.body(x)


class Encoder(nn.Module):
    def __init__(self, widths: tuple[int, ...], latent_channels: int):
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(1, widths[0], 3, padding=1)]
        for cin, cout in zip(widths, widths[1:]):
            layers += [ResBlock(cin, cout), nn.Conv2d(cout, cout, 3, stride=2, padding=1)]
        layers += [ResBlock(widths[-1], widths[-1]), _norm(widths[-1]), nn.SiLU(), nn.Conv2d(widths[-1], 2 * latent_channels, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, logvar = self.net(x).chunk(2, dim=1)
        return mean, logvar.clamp(-30, 20)


class Decoder(nn.Module):
    def __init__(self, widths: tuple[int, ...], latent_channels: int):
        super().__init__()
        rev = widths[::-1]
        layers: list[nn.Module] = [nn.Conv2d(latent_channels, rev[0], 3, padding=1), ResBlock(rev[0], rev[0])]
        for cin, cout in zip(rev, rev[1:]):
            layers += [nn.Upsample(scale_factor=2.0, mode="nearest"), nn.Conv2d(cin, cout, 3, padding=1), ResBlock(cout, cout)]
        layers += [_norm(rev[-1]), nn.SiLU(), nn.Conv2d(rev[-1], 1, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class VAE(nn.Module):
    """widths has 4 entries: three stride-2 stages give the factor 8 the bundle declares."""

    downsampling = 8

    def __init__(self, widths: tuple[int, ...] = (32, 64, 128, 128), latent_channels: int = 4):
        super().__init__()
        if len(widths) != 4:
            raise ValueError(f"VAE needs 4 widths for downsampling 8, got {widths}")
        self.encoder = Encoder(widths, latent_channels)
        self.decoder = Decoder(widths, latent_channels)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mean, logvar = self.encoder(x)
        z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()
        return self.decoder(z), mean, logvar


def vae_loss(x: torch.Tensor, recon: torch.Tensor, mean: torch.Tensor, logvar: torch.Tensor, kl_weight: float) -> torch.Tensor:
    kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
    return F.l1_loss(recon, x) + F.mse_loss(recon, x) + kl_weight * kl


class ScaledDecoder(nn.Module):
    """The exported decoder: takes latents in the denoiser's (scaled) space, as the bundle says."""

    def __init__(self, decoder: Decoder, scale_factor: float):
        super().__init__()
        self.decoder = decoder
        self.scale_factor = scale_factor

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.decoder(latent / self.scale_factor)
