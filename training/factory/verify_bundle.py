"""Checks a bundle with onnxruntime: manifest and hashes, then every parity vector (no torch).

Runs each graph on its parity inputs and replays the 10-step guided trajectory with the ONNX
denoiser and the numpy reference sampler, comparing against the stored PyTorch results.

    python -m factory.verify_bundle tests/fixtures/tiny-bundle
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

from . import arrays, manifest
from .schedule import DDIMScheduler, guide

# Max difference relative to max(1, output scale): float32 kernel noise between PyTorch and
# onnxruntime is ~1e-6; a wrong op, layout or scale shows up as 1e-2 or more. The same bounds as
# the TypeScript parity test (trajectory: per step, growing with the step number).
TOLERANCE = {"denoiser": 1e-4, "decoder": 1e-4, "embedder": 1e-5, "trajectoryPerStep": 2e-4, "trajectoryImage": 5e-4}


def _max_diff(a: np.ndarray, b: np.ndarray, what: str) -> float:
    if a.shape != b.shape:
        raise AssertionError(f"{what}: shape {a.shape}, expected {b.shape}")
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max() / max(1.0, float(np.abs(b).max())))


def verify(bundle: Path) -> dict[str, float]:
    man = json.loads((bundle / "manifest.json").read_text())
    manifest.validate(man)
    manifest.check_files(bundle, man)
    parity = json.loads((bundle / "parity.json").read_text())
    sessions = {name: ort.InferenceSession(str(bundle / g["file"]), providers=["CPUExecutionProvider"]) for name, g in man["graphs"].items()}
    diffs = {}
    for name, sess in sessions.items():
        feeds = {k: arrays.decode(v) for k, v in parity[name]["inputs"].items()}
        ((out_name, expected),) = parity[name]["outputs"].items()
        got = sess.run([out_name], feeds)[0]
        diffs[name] = _max_diff(got, arrays.decode(expected), name)
    tr = parity["trajectory"]
    scheduler = DDIMScheduler.from_manifest(man["schedule"])
    if scheduler.set_timesteps(tr["steps"]) != tr["timesteps"]:
        raise AssertionError(f"trajectory timesteps {tr['timesteps']} are not the schedule's {scheduler.timesteps}")
    x = arrays.decode(tr["initialNoise"])
    n = x.shape[0]
    labels = np.concatenate([np.array(tr["labels"]), np.full(n, man["nullLabel"])]).astype(np.int64)
    bad = {}
    for i, t in enumerate(tr["timesteps"]):
        pred = sessions["denoiser"].run(["prediction"], {"latent": np.concatenate([x, x]), "timestep": np.full(2 * n, t, np.float32), "label": labels})[0]
        x = scheduler.step(guide(pred[:n], pred[n:], tr["guidance"]), t, x)
        diffs[f"step{i + 1}"] = d = _max_diff(x, arrays.decode(tr["latents"][i]), f"trajectory step {i + 1}")
        if not d < TOLERANCE["trajectoryPerStep"] * (i + 1):
            bad[f"step{i + 1}"] = d
    img = sessions["decoder"].run(["image"], {"latent": x})[0]
    diffs["trajectoryImage"] = _max_diff(img, arrays.decode(tr["image"]), "trajectory image")
    bad.update({k: diffs[k] for k in ("denoiser", "decoder", "embedder", "trajectoryImage") if not diffs[k] < TOLERANCE[k]})
    if bad:
        raise AssertionError(f"parity outside tolerance {TOLERANCE}: {bad}")
    return diffs


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(arg, verify(Path(arg)))
