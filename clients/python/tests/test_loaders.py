"""The cohort loaders. records() and the label mapping need nothing extra; the torch and
HuggingFace loaders run when their packages are installed (CI installs neither)."""
from __future__ import annotations

import importlib.util

import pytest

from synthbus import Cohort
from synthbus.records import label_mapping

HAVE_TORCH = importlib.util.find_spec("torch") is not None and importlib.util.find_spec("PIL") is not None
HAVE_DATASETS = importlib.util.find_spec("datasets") is not None


def test_records_read_metadata_csv(pulled: Cohort) -> None:
    records = pulled.records()
    certified = {img["sha256"]: img for img in pulled.certificate.images}
    for r in records:
        img = certified[r.sha256]
        assert (img["index"], img["birads"], img["seed"]) == (r.index, r.birads, r.seed)
        assert r.nn_distance == img["nnDistance"]
    assert [(r.birads, r.index) for r in records] == sorted((r.birads, r.index) for r in records)


def test_label_mapping_is_imagefolders_or_the_given_classes() -> None:
    assert label_mapping([4, 3, 4, 5]) == {3: 0, 4: 1, 5: 2}
    assert label_mapping([4, 3], classes=[2, 3, 4, 5]) == {2: 0, 3: 1, 4: 2, 5: 3}
    with pytest.raises(ValueError, match=r"BI-RADS \[5\]"):
        label_mapping([3, 5], classes=[3, 4])
    with pytest.raises(ValueError, match="twice"):
        label_mapping([3], classes=[3, 3])


def test_class_to_idx_matches_the_image_folders(pulled: Cohort) -> None:
    folders = sorted(p.name for p in (pulled.path / "images").iterdir())
    # torchvision's ImageFolder numbers the sorted folder names; ours must agree.
    assert pulled.class_to_idx() == {int(name): i for i, name in enumerate(folders)}


@pytest.mark.skipif(not HAVE_TORCH, reason="torch and Pillow are not installed (pip install synthbus[torch])")
def test_torch_dataset(pulled: Cohort) -> None:
    ds = pulled.torch_dataset()
    assert len(ds) == 6
    image, label = ds[0]
    assert tuple(image.shape) == (1, 64, 64)
    assert 0.0 <= float(image.min()) <= float(image.max()) <= 1.0
    assert ds.classes == [3, 4] and label == 0
    fixed = pulled.torch_dataset(classes=[2, 3, 4, 5], transform=lambda im: im.size, target_transform=lambda y: y * 10)
    assert fixed[0] == ((64, 64), 10)


@pytest.mark.skipif(not HAVE_DATASETS, reason="datasets is not installed (pip install synthbus[hf])")
def test_hf_dataset(pulled: Cohort) -> None:
    ds = pulled.hf_dataset()
    assert ds.features["birads"].names == ["3", "4"]
    assert len(ds) == 6
    records = pulled.records()
    assert [ds.features["birads"].int2str(b) for b in ds["birads"]] == [str(r.birads) for r in records]
    assert ds["seed"] == [r.seed for r in records]  # u64 seeds survive as strings
    assert ds[0]["image"].size == (64, 64)
