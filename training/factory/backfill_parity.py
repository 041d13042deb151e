"""Adds the parity trajectories a bundle lacks because it was exported before they existed (the
shipped test fixture: its DPM-Solver++ trajectory).

Each missing trajectory starts from the stored DDIM trajectory's noise, labels, guidance and step
count, and is sampled with the bundle's ONNX denoiser and decoder (no torch: the fixture's PyTorch
weights are not kept) and the numpy reference scheduler; parity.json and its manifest entry are
rewritten. New bundles get every trajectory from export.py's PyTorch twins instead.

    python -m factory.backfill_parity ../tests/fixtures/tiny-bundle
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import onnxruntime as ort

from . import arrays, manifest
from .schedule import DDIMScheduler
from .verify_bundle import TRAJECTORIES, replay


def backfill(bundle: Path) -> list[str]:
    man = json.loads((bundle / "manifest.json").read_text())
    parity = json.loads((bundle / "parity.json").read_text())
    missing = [key for key in TRAJECTORIES if key not in parity]
    if not missing:
        return []
    sessions = {name: ort.InferenceSession(str(bundle / g["file"]), providers=["CPUExecutionProvider"]) for name, g in man["graphs"].items()}
    base = parity["trajectory"]
    for key in missing:
        scheduler = TRAJECTORIES[key](DDIMScheduler.from_manifest(man["schedule"]))
        tr = {k: base[k] for k in ("steps", "guidance", "labels", "initialNoise")}
        tr["timesteps"] = scheduler.set_timesteps(tr["steps"])
        latents = replay(sessions, man, tr, scheduler)
        image = sessions["decoder"].run(["image"], {"latent": latents[-1]})[0]
        parity[key] = {**tr, "latents": [arrays.encode(x) for x in latents], "image": arrays.encode(image)}
    (bundle / "parity.json").write_text(json.dumps(parity) + "\n")
    man["files"]["parity.json"] = manifest.file_entries(bundle, ["parity.json"])["parity.json"]
    manifest.validate(man)
    (bundle / "manifest.json").write_text(json.dumps(man, indent=2) + "\n")
    return missing


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(arg, "added", backfill(Path(arg)) or "nothing")
