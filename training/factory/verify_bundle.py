"""Checks a bundle with onnxruntime: manifest and hashes, then every parity vector (no torch).

Runs each graph on its parity inputs and replays the guided trajectories (DDIM, and DPM-Solver++
when the bundle has one) with the ONNX denoiser and the numpy reference samplers, comparing
against the stored results.

    python -m factory.verify_bundle tests/fixtures/tiny-bundle
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

from . import arrays, manifest
from .schedule import SAMPLERS, DDIMScheduler, guide

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
    bad = {}
    for key, make in TRAJECTORIES.items():
        if key not in parity:
            continue
        tr = parity[key]
        latents = replay(sessions, man, tr, make(DDIMScheduler.from_manifest(man["schedule"])))
        for i, x in enumerate(latents):
            name = f"{key}.step{i + 1}"
            diffs[name] = d = _max_diff(x, arrays.decode(tr["latents"][i]), f"{key} step {i + 1}")
            if not d < TOLERANCE["trajectoryPerStep"] * (i + 1):
                bad[name] = d
        img = sessions["decoder"].run(["image"], {"latent": latents[-1]})[0]
        diffs[f"{key}.image"] = d = _max_diff(img, arrays.decode(tr["image"]), f"{key} image")
        if not d < TOLERANCE["trajectoryImage"]:
            bad[f"{key}.image"] = d
    bad.update({k: diffs[k] for k in ("denoiser", "decoder", "embedder") if not diffs[k] < TOLERANCE[k]})
    if bad:
        raise AssertionError(f"parity outside tolerance {TOLERANCE}: {bad}")
    return diffs


# The parity trajectories a bundle may carry, each with the scheduler that replays it.
TRAJECTORIES = {"trajectory": SAMPLERS["DDIM"], "dpmSolverTrajectory": SAMPLERS["DPM_SOLVER_PP"]}


def replay(sessions: dict, man: dict, tr: dict, scheduler) -> list[np.ndarray]:
    """The latents after each step of a stored trajectory's sampling, with the ONNX denoiser."""
    if scheduler.set_timesteps(tr["steps"]) != tr["timesteps"]:
        raise AssertionError(f"trajectory timesteps {tr['timesteps']} are not the schedule's {scheduler.timesteps}")
    x = arrays.decode(tr["initialNoise"])
    n = x.shape[0]
    labels = np.concatenate([np.array(tr["labels"]), np.full(n, man["nullLabel"])]).astype(np.int64)
    latents = []
    for t in tr["timesteps"]:
        pred = sessions["denoiser"].run(["prediction"], {"latent": np.concatenate([x, x]), "timestep": np.full(2 * n, t, np.float32), "label": labels})[0]
        x = scheduler.step(guide(pred[:n], pred[n:], tr["guidance"]), t, x)
        latents.append(x)
    return latents


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(arg, verify(Path(arg)))
