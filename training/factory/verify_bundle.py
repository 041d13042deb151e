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
from .schedule import ddim_step, guide

ATOL = 2e-3  # float32 op-order differences between PyTorch and onnxruntime, plus fp16 weight casts


def _max_diff(a: np.ndarray, b: np.ndarray, what: str) -> float:
    if a.shape != b.shape:
        raise AssertionError(f"{what}: shape {a.shape}, expected {b.shape}")
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max())


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
    tr, s = parity["trajectory"], man["schedule"]
    acp = np.array(s["alphasCumprod"], dtype=np.float64)
    x = arrays.decode(tr["initialNoise"])
    n = x.shape[0]
    labels = np.concatenate([np.array(tr["labels"]), np.full(n, man["nullLabel"])]).astype(np.int64)
    final = 1.0 if s["finalAlphaCumprod"] == "one" else float(acp[0])
    worst = 0.0
    for i, t in enumerate(tr["timesteps"]):
        pred = sessions["denoiser"].run(["prediction"], {"latent": np.concatenate([x, x]), "timestep": np.full(2 * n, t, np.float32), "label": labels})[0]
        prev = float(acp[tr["timesteps"][i + 1]]) if i + 1 < len(tr["timesteps"]) else final
        x = ddim_step(x, guide(pred[:n], pred[n:], tr["guidance"]), float(acp[t]), prev, s["predictionType"])
        worst = max(worst, _max_diff(x, arrays.decode(tr["latents"][i]), f"trajectory step {i + 1}"))
    diffs["trajectory"] = worst
    img = sessions["decoder"].run(["image"], {"latent": x})[0]
    diffs["trajectoryImage"] = _max_diff(img, arrays.decode(tr["image"]), "trajectory image")
    bad = {k: v for k, v in diffs.items() if not v <= ATOL}
    if bad:
        raise AssertionError(f"parity off by more than {ATOL}: {bad}")
    return diffs


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(arg, verify(Path(arg)))
