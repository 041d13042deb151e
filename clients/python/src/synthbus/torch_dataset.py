"""A torch Dataset over a cohort's records (needs the [torch] extra: torch and Pillow)."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import torch
from PIL import Image
from torch.utils.data import Dataset

from .records import Record


class CohortDataset(Dataset[Tuple[Any, Any]]):
    """(image, label) pairs in metadata.csv order (by BI-RADS, then index).

    image: `transform(PIL image)` when a transform is given (torchvision style), else a float
    tensor of shape (1, H, W) in [0, 1]. label: `class_to_idx[birads]`, through `target_transform`.
    `classes[i]` is the BI-RADS category of label i.
    """

    def __init__(
        self,
        records: List[Record],
        class_to_idx: Dict[int, int],
        transform: Optional[Callable[[Any], Any]] = None,
        target_transform: Optional[Callable[[int], Any]] = None,
    ) -> None:
        self.records = records
        self.class_to_idx = class_to_idx
        self.classes = sorted(class_to_idx, key=class_to_idx.__getitem__)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int) -> Tuple[Any, Any]:
        record = self.records[i]
        with Image.open(record.path) as im:
            img = im.convert("L")
        label: Any = self.class_to_idx[record.birads]
        if self.target_transform is not None:
            label = self.target_transform(label)
        if self.transform is not None:
            return self.transform(img), label
        pixels = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8)
        return pixels.reshape(1, img.height, img.width).float().div(255), label
