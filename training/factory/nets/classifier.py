"""A small CNN classifier for the evaluation figures (fidelity and realism)."""
from __future__ import annotations

import torch
from torch import nn


class ConvClassifier(nn.Module):
    def __init__(self, outputs: int, widths: tuple[int, ...] = (32, 64, 128, 128)):
        super().__init__()
        layers: list[nn.Module] = []
        cin = 1
        for w in widths:
            layers += [nn.Conv2d(cin, w, 3, stride=2, padding=1), nn.BatchNorm2d(w), nn.ReLU(inplace=True)]
            cin = w
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(cin, outputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))
