"""Baseline for bench/engine.ts: the same pipeline on the same ONNX graphs with Python onnxruntime.

Same work per image as the engine: DDIM with classifier-free guidance in micro-batches of 16 images
(32 denoiser rows), decode, 8-bit quantization, embed, exact nearest neighbour against the training
and holdout references, PNG encoding. Prints one JSON line: {"imagesPerSecond": ..., ...}.

Run: python3 bench/engine_baseline.py BUNDLE_DIR --images 64 [--steps S] [--guidance G]
"""
from __future__ import annotations

import argparse
import io
import json
import math
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

MICRO_BATCH = 16


def timesteps(T: int, steps: int, spacing: str) -> list[int]:
    if spacing == "leading":
        return [i * (T // steps) for i in range(steps)][::-1]
    return [round(T - i * T / steps) - 1 for i in range(steps)]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("bundle", type=Path)
    p.add_argument("--images", type=int, default=64)
    p.add_argument("--steps", type=int)
    p.add_argument("--guidance", type=float)
    a = p.parse_args()
    m = json.loads((a.bundle / "manifest.json").read_text())
    steps = a.steps or m["sampling"]["defaultSteps"]
    g = a.guidance if a.guidance is not None else m["sampling"]["defaultGuidance"]
    sched = m["schedule"]
    ac = np.array(sched["alphasCumprod"], dtype=np.float64)
    sess = {k: ort.InferenceSession(str(a.bundle / v["file"]), providers=["CPUExecutionProvider"]) for k, v in m["graphs"].items()}
    D = m["privacy"]["embeddingDim"]
    ref = np.fromfile(a.bundle / m["privacy"]["reference"]["file"], dtype="<f4").reshape(-1, D)
    hold = np.fromfile(a.bundle / m["privacy"]["holdout"]["file"], dtype="<f4").reshape(-1, D)
    L = m["latent"]
    labels_all = [m["classes"][i % len(m["classes"])]["index"] for i in range(a.images)]
    ts = timesteps(sched["trainTimesteps"], steps, sched["timestepSpacing"])

    def run(n: int) -> None:
        rng = np.random.default_rng(0)
        for s in range(0, n, MICRO_BATCH):
            labels = np.array(labels_all[s : s + MICRO_BATCH], dtype=np.int64)
            b = len(labels)
            x = rng.standard_normal((b, L["channels"], L["height"], L["width"])).astype(np.float32)
            lab2 = np.concatenate([labels, np.full(b, m["nullLabel"], dtype=np.int64)])
            for i, t in enumerate(ts):
                out = sess["denoiser"].run(None, {"latent": np.concatenate([x, x]), "timestep": np.full(2 * b, t, np.float32), "label": lab2})[0]
                pred = out[b:] + np.float32(g) * (out[:b] - out[b:])
                a_t = ac[t]
                a_p = ac[ts[i + 1]] if i + 1 < len(ts) else (1.0 if sched["finalAlphaCumprod"] == "one" else ac[0])
                if sched["predictionType"] == "epsilon":
                    x0, eps = (x - math.sqrt(1 - a_t) * pred) / math.sqrt(a_t), pred
                else:
                    x0 = math.sqrt(a_t) * x - math.sqrt(1 - a_t) * pred
                    eps = math.sqrt(a_t) * pred + math.sqrt(1 - a_t) * x
                x = (math.sqrt(a_p) * x0 + math.sqrt(1 - a_p) * eps).astype(np.float32)
            img = sess["decoder"].run(None, {"latent": x})[0]
            u8 = np.clip(np.round((img + 1) * 127.5), 0, 255).astype(np.uint8)
            emb = sess["embedder"].run(None, {"image": (u8.astype(np.float32) / 127.5 - 1)})[0].astype(np.float64)
            for e in emb:
                np.sqrt(np.maximum(0, (e @ e) + (ref.astype(np.float64) ** 2).sum(1) - 2 * ref @ e)).min()
                np.sqrt(np.maximum(0, (e @ e) + (hold.astype(np.float64) ** 2).sum(1) - 2 * hold @ e)).min()
            for im in u8[:, 0]:
                Image.fromarray(im).save(io.BytesIO(), format="PNG", compress_level=9)

    run(2)  # warm-up
    t0 = time.perf_counter()
    run(a.images)
    dt = time.perf_counter() - t0
    print(json.dumps({"imagesPerSecond": a.images / dt, "seconds": dt, "images": a.images, "steps": steps, "guidance": g, "onnxruntime": ort.__version__}))


if __name__ == "__main__":
    main()
