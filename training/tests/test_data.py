"""Patient-level split: no Case in two splits, deterministic, about 10% validation, committed."""
from collections import Counter
from pathlib import Path

import pytest

from factory.data import BIRADS_CLASSES, LINKED_CASES, Record, patient_of, read_split, split_by_case, write_split

SPLITS = Path(__file__).resolve().parents[1] / "splits"


def synthetic_records(cases: int) -> list[Record]:
    recs = []
    for c in range(cases):
        birads = BIRADS_CLASSES[c % len(BIRADS_CLASSES)]
        views = ("l", "r") if c % 3 else ("s",)
        recs += [Record(f"bus_{c:04d}-{v}", c, birads) for v in views]
    return recs


def test_no_patient_in_both_splits_and_every_image_kept():
    recs = synthetic_records(200)
    train, val = split_by_case(recs, 0.1, seed=7)
    assert {r.case for r in train}.isdisjoint({r.case for r in val})
    assert sorted(r.image_id for r in train + val) == sorted(r.image_id for r in recs)


def test_split_is_stratified_and_about_ten_percent_of_patients():
    train, val = split_by_case(synthetic_records(400), 0.1, seed=7)
    per_class = Counter(r.birads for r in {r.case: r for r in val}.values())
    assert per_class == {b: 10 for b in BIRADS_CLASSES}


def test_split_depends_only_on_seed():
    recs = synthetic_records(100)
    assert split_by_case(recs, 0.1, 1) == split_by_case(recs, 0.1, 1)
    assert split_by_case(recs, 0.1, 1)[1] != split_by_case(recs, 0.1, 2)[1]


def test_rejects_bad_fraction():
    with pytest.raises(ValueError, match="val_fraction"):
        split_by_case(synthetic_records(10), 1.5, 0)


def test_split_round_trips_through_csv(tmp_path):
    recs = synthetic_records(5)
    write_split(tmp_path / "s.csv", recs)
    assert read_split(tmp_path / "s.csv") == [Record(r.image_id, r.case, r.birads) for r in recs]


def test_linked_cases_stay_together():
    recs = [Record(f"bus_{c:04d}-s", c, 4) for c in range(1, 400)]
    for seed in range(20):
        train, val = split_by_case(recs, 0.3, seed)
        val_cases = {r.case for r in val}
        for group in LINKED_CASES:
            assert len({c in val_cases for c in group}) == 1
    assert patient_of(65) == patient_of(44) == 44 and patient_of(7) == 7


def test_committed_split_separates_patients():
    train, val = read_split(SPLITS / "train.csv"), read_split(SPLITS / "val.csv")
    assert {patient_of(r.case) for r in train}.isdisjoint({patient_of(r.case) for r in val})
    assert len(train) + len(val) == 1597
    share = len({r.case for r in val}) / len({r.case for r in train + val})
    assert 0.08 < share < 0.12
    assert set(r.birads for r in val) == set(BIRADS_CLASSES)
