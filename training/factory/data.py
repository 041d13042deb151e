"""BUS-BRA metadata and the patient-level train/validation split (no torch)."""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

BIRADS_CLASSES = (2, 3, 4, 5)
SPLIT_FIELDS = ("ID", "Case", "BIRADS")

# Case ids that are one patient: their images are the same scans (same burned-in age and side text,
# one with calipers and one without), found as cross-case near-duplicates by the copy-detection
# embedder and confirmed by eye. They are kept in one split and never count as "other" patients.
LINKED_CASES = ((44, 65), (341, 356))


def patient_of(case: int) -> int:
    """The patient group of a Case: the smallest case id it is linked with."""
    for group in LINKED_CASES:
        if case in group:
            return min(group)
    return case


@dataclass(frozen=True)
class Record:
    image_id: str
    case: int
    birads: int
    bbox: tuple[int, int, int, int] | None = None  # x, y, w, h of the lesion in pixels


def read_metadata(csv_path: Path) -> list[Record]:
    """Reads bus_data.csv; rejects rows whose BI-RADS is not one of BIRADS_CLASSES."""
    records = []
    with open(csv_path, newline="") as f:
        for row in csv.DictReader(f):
            birads = int(row["BIRADS"])
            if birads not in BIRADS_CLASSES:
                raise ValueError(f"{csv_path}: image {row['ID']} has BIRADS {birads}, expected one of {BIRADS_CLASSES}")
            bbox = tuple(int(v) for v in row["BBOX"].strip("[] ").split(",")) if row.get("BBOX") else None
            records.append(Record(row["ID"], int(row["Case"]), birads, bbox))  # type: ignore[arg-type]
    return records


def split_by_case(records: list[Record], val_fraction: float, seed: int) -> tuple[list[Record], list[Record]]:
    """Splits by patient (linked Cases together), stratified by BI-RADS, so no patient is in both splits.

    A patient's views share one BI-RADS in BUS-BRA; a patient with several is stratified by its first.
    Both lists keep the metadata's order.
    """
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    patient_class: dict[int, int] = {}
    for r in records:
        patient_class.setdefault(patient_of(r.case), r.birads)
    rng = random.Random(seed)
    val_patients: set[int] = set()
    for birads in BIRADS_CLASSES:
        patients = sorted(p for p, b in patient_class.items() if b == birads)
        rng.shuffle(patients)
        val_patients.update(patients[: round(len(patients) * val_fraction)])
    train = [r for r in records if patient_of(r.case) not in val_patients]
    val = [r for r in records if patient_of(r.case) in val_patients]
    return train, val


def write_split(path: Path, records: list[Record]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(SPLIT_FIELDS)
        for r in records:
            w.writerow((r.image_id, r.case, r.birads))


def read_split(path: Path) -> list[Record]:
    with open(path, newline="") as f:
        return [Record(row["ID"], int(row["Case"]), int(row["BIRADS"])) for row in csv.DictReader(f)]


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description="Write training/splits/{train,val}.csv from BUS-BRA metadata.")
    p.add_argument("--dataset", type=Path, default=Path(__file__).resolve().parents[3] / "shared/datasets/bus-bra")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "splits")
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=20231)
    a = p.parse_args()
    train, val = split_by_case(read_metadata(a.dataset / "bus_data.csv"), a.val_fraction, a.seed)
    write_split(a.out / "train.csv", train)
    write_split(a.out / "val.csv", val)
    print(f"train {len(train)} images / {len({r.case for r in train})} cases, val {len(val)} / {len({r.case for r in val})}")


if __name__ == "__main__":
    main()
