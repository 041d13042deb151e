"""A HuggingFace `datasets.Dataset` from the cohort's imagefolder layout (needs the [hf] extra)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

from datasets import ClassLabel, Features, Image, Value, load_dataset


def load_hf_dataset(folder: Path, class_to_idx: Dict[int, int]) -> Any:
    """Columns image (PIL), birads (ClassLabel named by category, "3", "4", …), seed, nn_distance,
    sha256, rows in metadata.csv order. The archive under .synthbus/ is skipped (hidden)."""
    features = Features({
        "image": Image(),
        "birads": Value("int64"),
        # A u64 in decimal: above int64's range, so inference would overflow on it.
        "seed": Value("string"),
        "nn_distance": Value("float64"),
        "sha256": Value("string"),
    })
    # drop_labels: the label is metadata.csv's birads, not a second one inferred from folder names.
    ds = load_dataset("imagefolder", data_dir=str(folder), split="train", drop_labels=True, features=features)
    ds = ds.map(lambda birads: {"birads": class_to_idx[birads]}, input_columns="birads")
    names = [str(b) for b in sorted(class_to_idx, key=class_to_idx.__getitem__)]
    return ds.cast_column("birads", ClassLabel(names=names))
