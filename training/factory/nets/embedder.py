"""Copy-detection embedder: a small CNN mapping an image to a unit vector.

Trained contrastively (NT-Xent) so an image and its augmented copies (augment.copy_augment) sit
close together while other images sit far away.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class Embedder(nn.Module):
    def __init__(self, widths: tuple[int, ...] = (32, 64, 128, 256), dim: int = 128):
        super().__init__()
        layers: list[nn.Module] = []
        cin = 1
        for w in widths:
            layers += [nn.Conv2d(cin, w, 3, stride=2, padding=1), nn.BatchNorm2d(w), nn.ReLU(inplace=True), nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            cin = w
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(cin, dim)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        h = self.features(image).mean(dim=(2, 3))
        return F.normalize(self.head(h), dim=1, eps=1e-8)


def nt_xent(a: torch.Tensor, b: torch.Tensor, temperature: float) -> torch.Tensor:
    """SimCLR loss for two views; a[i] and b[i] are positives, every other row a negative."""
    z = torch.cat([a, b])
    sim = z @ z.T / temperature
    sim.fill_diagonal_(float("-inf"))
    n = a.shape[0]
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(a.device)
    return F.cross_entropy(sim, target)
