"""metadata.csv as plain records, and the BI-RADS-to-label mapping the dataset loaders share."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence


@dataclass(frozen=True)
class Record:
    """One image of a cohort (a metadata.csv row)."""

    #: Absolute path of the PNG (8-bit grayscale).
    path: Path
    #: Relative to the cohort folder: images/<BI-RADS>/<index>.png
    file_name: str
    birads: int
    #: The cohort-wide image index (the file's stem).
    index: int
    #: Decimal u64 seed of the delivered sampling attempt (a string: it does not fit an int64).
    seed: str
    #: Distance to the nearest training image (unit embeddings, 0..2).
    nn_distance: float
    sha256: str


def read_records(folder: Path) -> List[Record]:
    with open(folder / "metadata.csv", newline="", encoding="utf-8") as f:
        return [
            Record(
                path=(folder / row["file_name"]).resolve(),
                file_name=row["file_name"],
                birads=int(row["birads"]),
                index=int(Path(row["file_name"]).stem),
                seed=row["seed"],
                nn_distance=float(row["nn_distance"]),
                sha256=row["sha256"],
            )
            for row in csv.DictReader(f)
        ]


def label_mapping(present: Iterable[int], classes: Optional[Sequence[int]] = None) -> Dict[int, int]:
    """BI-RADS category -> label index.

    Default: the categories present, sorted, numbered from 0 (exactly torchvision's
    ImageFolder("cohort/images") mapping, since the folders are the single-digit categories).
    Pass `classes` (e.g. the model's categories) to keep one mapping across cohorts whose mixes
    differ; every category present must be among them.
    """
    seen = sorted(set(present))
    if classes is None:
        return {b: i for i, b in enumerate(seen)}
    if len(set(classes)) != len(classes):
        raise ValueError(f"classes {list(classes)} names a category twice")
    missing = [b for b in seen if b not in classes]
    if missing:
        raise ValueError(f"the cohort has BI-RADS {missing}, which classes {list(classes)} does not name")
    return {b: i for i, b in enumerate(classes)}
