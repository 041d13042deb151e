"""Joins the bundle parts a GPU run returned, checks them, and installs the bundle under models/.

    python3 training/gpu/join.py <folder with bundle.tar.part*> models/

Refuses a tar whose sha256 differs from bundle.tar.sha256, or a bundle whose manifest or files
do not validate; the bundle lands at models/<modelId>/.
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from factory import manifest  # noqa: E402


def join(parts_dir: Path, models: Path) -> Path:
    parts = sorted(parts_dir.glob("bundle.tar.part*"))
    if not parts:
        raise FileNotFoundError(f"no bundle.tar.part* in {parts_dir}")
    data = b"".join(p.read_bytes() for p in parts)
    expected = (parts_dir / "bundle.tar.sha256").read_text().split()[0]
    if hashlib.sha256(data).hexdigest() != expected:
        raise ValueError(f"joined tar sha256 differs from bundle.tar.sha256 ({len(parts)} parts)")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        man = json.load(tar.extractfile("bundle/manifest.json"))  # type: ignore[arg-type]
        target = models / man["modelId"]
        staging = models / f".{man['modelId']}.incoming"
        shutil.rmtree(staging, ignore_errors=True)
        tar.extractall(staging, filter="data")
    bundle = staging / "bundle"
    manifest.validate(man)
    manifest.check_files(bundle, man)
    shutil.rmtree(target, ignore_errors=True)
    bundle.rename(target)
    shutil.rmtree(staging)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(f"installed {join(Path(sys.argv[1]), Path(sys.argv[2]))}")
