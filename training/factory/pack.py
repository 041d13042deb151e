"""Preprocess every image of the split once and pack it as a tar of JPEGs plus an index (no torch).

The pack is what travels to the GPU machine (256x256 JPEG q90, about 25 MB) and what the CPU
runs read; ``load_pack`` returns uint8 arrays at any smaller size.
"""
from __future__ import annotations

import csv
import io
import tarfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .data import Record, read_metadata, read_split
from .preprocess import load_gray, preprocess

INDEX_NAME = "index.csv"
MAX_PACK_BYTES = 64 * 2**20


@dataclass
class Pack:
    ids: list[str]
    cases: np.ndarray  # int64 [N]
    birads: np.ndarray  # int64 [N]
    is_val: np.ndarray  # bool [N]
    images: np.ndarray  # uint8 [N, S, S]

    def subset(self, keep: np.ndarray) -> "Pack":
        return Pack([self.ids[i] for i in np.flatnonzero(keep)], self.cases[keep], self.birads[keep], self.is_val[keep], self.images[keep])

    def head(self, train: int, val: int) -> "Pack":
        """The first `train` training and `val` validation images."""
        keep = np.zeros(len(self.ids), bool)
        keep[np.flatnonzero(~self.is_val)[:train]] = True
        keep[np.flatnonzero(self.is_val)[:val]] = True
        return self.subset(keep)


def _prepare(args: tuple[Path, Record, int, int]) -> bytes:
    image_dir, rec, size, quality = args
    out = preprocess(load_gray(image_dir / f"{rec.image_id}.png"), size, rec.bbox)
    buf = io.BytesIO()
    Image.fromarray(out).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def build_pack(dataset: Path, splits: Path, out: Path, size: int = 256, quality: int = 90, workers: int = 2) -> None:
    meta = {r.image_id: r for r in read_metadata(dataset / "bus_data.csv")}
    rows = [(meta[r.image_id], False) for r in read_split(splits / "train.csv")] + [(meta[r.image_id], True) for r in read_split(splits / "val.csv")]
    with ProcessPoolExecutor(workers) as pool:
        jpegs = list(pool.map(_prepare, [(dataset / "images", rec, size, quality) for rec, _ in rows], chunksize=16))
    index = io.StringIO()
    w = csv.writer(index, lineterminator="\n")
    w.writerow(("ID", "Case", "BIRADS", "split"))
    for rec, is_val in rows:
        w.writerow((rec.image_id, rec.case, rec.birads, "val" if is_val else "train"))
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, "w") as tar:
        for name, data in [(INDEX_NAME, index.getvalue().encode())] + [(f"images/{rec.image_id}.jpg", j) for (rec, _), j in zip(rows, jpegs)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    if out.stat().st_size > MAX_PACK_BYTES:
        raise RuntimeError(f"{out} is {out.stat().st_size} bytes, over the {MAX_PACK_BYTES}-byte device transfer limit")


def load_pack(path: Path, size: int | None = None) -> Pack:
    """Reads a pack; ``size`` resizes (area-averaged) to a smaller square."""
    with tarfile.open(path) as tar:
        rows = list(csv.DictReader(io.TextIOWrapper(tar.extractfile(INDEX_NAME), encoding="utf-8")))  # type: ignore[arg-type]
        imgs = []
        for row in rows:
            im = Image.open(io.BytesIO(tar.extractfile(f"images/{row['ID']}.jpg").read())).convert("L")  # type: ignore[union-attr]
            if size is not None and im.size != (size, size):
                im = im.resize((size, size), Image.Resampling.BOX)
            imgs.append(np.asarray(im))
    return Pack(
        [r["ID"] for r in rows],
        np.array([int(r["Case"]) for r in rows], dtype=np.int64),
        np.array([int(r["BIRADS"]) for r in rows], dtype=np.int64),
        np.array([r["split"] == "val" for r in rows]),
        np.stack(imgs),
    )


def main() -> None:
    import argparse
    import time

    root = Path(__file__).resolve().parents[1]
    p = argparse.ArgumentParser(description="Preprocess BUS-BRA and pack it for training.")
    p.add_argument("--dataset", type=Path, default=root.parents[1] / "shared/datasets/bus-bra")
    p.add_argument("--out", type=Path, default=root / ".cache/busbra-256.tar")
    p.add_argument("--size", type=int, default=256)
    a = p.parse_args()
    t = time.time()
    build_pack(a.dataset, root / "splits", a.out, a.size)
    print(f"packed {a.out} ({a.out.stat().st_size / 2**20:.1f} MiB) in {time.time() - t:.0f} s")


if __name__ == "__main__":
    main()
