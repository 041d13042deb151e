"""Progress that survives a lost machine: the run's finished stages and the running stage's last
checkpoint, packed compactly into the call's $OUT; on a fresh machine they are carried back alone,
in a first call that unpacks them into the run folder (gpu/run.sh --unpack), before the usual call.

    python3 -m factory.resume pack <run dir> <out dir>      # resume.tar.partNN + resume.tar.sha256
    python3 -m factory.resume unpack <parts dir> <run dir>  # files the run dir lacks

Compact: weights of 1,024 or more elements in float16 (the precision the bundle stores them in);
optimizer state and the running DiT's EMA left out (the resumed stage starts a fresh optimizer, and
its EMA from the model's weights). The parts travel back with the working tree only, so the whole
must stay under BUDGET_BYTES; files that do not fit are left out and named in the output.
"""
from __future__ import annotations

import hashlib
import io
import sys
import tarfile
from pathlib import Path

import torch

from .common import CHECKPOINT_EVERY_S, load, log, save

STAGES = ("vae", "dit", "embedder")
PART_BYTES = 15 * 2**20
BUDGET_BYTES = 56 * 2**20  # a call carries 64 MiB, the working tree (~4 MiB) included
LEFT_OUT = ("opt", "ema")  # train_dit derives its EMA from the model when the EMA is missing


def progress_files(run_dir: Path) -> list[Path]:
    """Each finished stage's `.pt`, then the running stage's `.ckpt`, in pipeline order."""
    finished = [run_dir / f"{s}.pt" for s in STAGES if (run_dir / f"{s}.pt").exists()]
    running = [run_dir / f"{s}.ckpt" for s in STAGES if not (run_dir / f"{s}.pt").exists() and (run_dir / f"{s}.ckpt").exists()]
    return finished + running[:1]


def compact(state):
    """float16 for floating tensors of >= 1024 elements, recursively; the LEFT_OUT keys dropped."""
    if isinstance(state, torch.Tensor):
        return state.half() if state.is_floating_point() and state.numel() >= 1024 else state
    if isinstance(state, dict):
        return {k: compact(v) for k, v in state.items() if k not in LEFT_OUT}
    return state


def pack(run_dir: Path, out: Path, budget: int = BUDGET_BYTES) -> list[str]:
    """Writes the compact progress into `out` as parts; returns the names of the files packed."""
    buf, packed = io.BytesIO(), []
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path in progress_files(run_dir):
            data = io.BytesIO()
            torch.save(compact(load(path)), data)
            if buf.tell() + data.tell() + 1024 > budget:
                log(f"resume: {path.name} ({data.tell() / 2**20:.1f} MiB) left out: over the {budget / 2**20:.0f} MiB budget")
                continue
            info = tarfile.TarInfo(path.name)
            info.size = data.tell()
            data.seek(0)
            tar.addfile(info, data)
            packed.append(path.name)
    blob = buf.getvalue()
    out.mkdir(parents=True, exist_ok=True)
    for i in range(0, len(blob), PART_BYTES):
        (out / f"resume.tar.part{i // PART_BYTES:02d}").write_bytes(blob[i : i + PART_BYTES])
    (out / "resume.tar.sha256").write_text(f"{hashlib.sha256(blob).hexdigest()}  resume.tar\n")
    log(f"resume: packed {packed} ({len(blob) / 2**20:.1f} MiB; checkpoints every {CHECKPOINT_EVERY_S} s)")
    return packed


def unpack(parts_dir: Path, run_dir: Path) -> list[str]:
    """Restores the packed files that `run_dir` lacks; returns their names."""
    blob = b"".join(p.read_bytes() for p in sorted(parts_dir.glob("resume.tar.part*")))
    if hashlib.sha256(blob).hexdigest() != (parts_dir / "resume.tar.sha256").read_text().split()[0]:
        raise ValueError(f"resume parts in {parts_dir} do not match resume.tar.sha256")
    restored = []
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        for member in tar.getmembers():
            target = run_dir / member.name
            if member.name != Path(member.name).name or target.exists():
                continue
            save(target, **torch.load(tar.extractfile(member), map_location="cpu", weights_only=False))  # type: ignore[arg-type]
            restored.append(member.name)
    log(f"resume: restored {restored} into {run_dir}")
    return restored


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("pack", "unpack"):
        sys.exit(__doc__)
    (pack if sys.argv[1] == "pack" else unpack)(Path(sys.argv[2]), Path(sys.argv[3]))
