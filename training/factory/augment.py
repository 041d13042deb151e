"""The copy augmentations the privacy check must see through (torch, batched, on any device).

A copy is: a crop keeping at least 90% of each side, resized back; brightness and contrast each
within +-10%; multiplicative speckle noise; a horizontal flip half of the time.
"""
from __future__ import annotations

import torch
from torch.nn import functional as F

MAX_CROP = 0.10
MAX_BRIGHTNESS = 0.10
MAX_CONTRAST = 0.10
SPECKLE_SIGMA = 0.10


def copy_augment(x: torch.Tensor, gen: torch.Generator | None = None) -> torch.Tensor:
    """x: [N,1,H,W] in [-1,1] -> augmented copies, same shape and range."""
    n, _, h, w = x.shape
    dev = x.device

    # drawn on the generator's device: on a GPU run that is the GPU (drawing the speckle noise on
    # the CPU cost ~110 ms per embedder step); on the CPU the numbers are unchanged
    src = gen.device if gen is not None else dev

    def u(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=gen, device=src).to(dev)

    # crop: scale each side by s in [0.9, 1], random offset; affine_grid resamples back to HxW
    s = 1 - MAX_CROP * u(n)
    off_x, off_y = (1 - s) * (2 * u(n) - 1), (1 - s) * (2 * u(n) - 1)
    theta = torch.zeros(n, 2, 3, device=dev)
    theta[:, 0, 0], theta[:, 1, 1], theta[:, 0, 2], theta[:, 1, 2] = s, s, off_x, off_y
    grid = F.affine_grid(theta, [n, 1, h, w], align_corners=False)
    y = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    # brightness / contrast on [0,1] intensities, then speckle
    y01 = (y + 1) / 2
    mean = y01.mean(dim=(1, 2, 3), keepdim=True)
    contrast = 1 + MAX_CONTRAST * (2 * u(n, 1, 1, 1) - 1)
    brightness = 1 + MAX_BRIGHTNESS * (2 * u(n, 1, 1, 1) - 1)
    y01 = ((y01 - mean) * contrast + mean) * brightness
    noise = torch.randn(y01.shape, generator=gen, device=src).to(dev)
    y01 = y01 * (1 + SPECKLE_SIGMA * noise)
    flip = u(n) < 0.5
    y01 = torch.where(flip.view(n, 1, 1, 1), y01.flip(-1), y01)
    return (y01.clamp(0, 1) * 2 - 1).contiguous()
