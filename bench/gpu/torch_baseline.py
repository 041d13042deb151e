"""GPU side of bench/gpu/run.sh: PyTorch running the bundle's own weights (its ONNX graphs converted
to torch modules by onnx2torch, bench/gpu/onnx_to_torch.py; the conversion is checked against
onnxruntime first).

Measures (1) denoiser evaluations/s at several batch sizes in fp32 and bf16 autocast, (2) images/s
for a 64-image batch: DDIM with classifier-free guidance (all 64 images in one 128-row call per
step), decode, 8-bit quantization, embed, exact nearest neighbour against the bundle's training
and holdout references. Prints one "RESULT {json}" line.

Run: python3 bench/gpu/torch_baseline.py --bundle DIR [--batches 16,32,64,128] [--images 64]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import onnx_to_torch  # noqa: E402


def sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize()


def rate(fn, dev: torch.device, min_s: float = 2.0) -> float:
    """Calls per second after 3 warm-up calls, timed for at least min_s and 5 calls."""
    for _ in range(3):
        fn()
    sync(dev)
    runs, t0 = 0, time.perf_counter()
    while True:
        fn()
        runs += 1
        sync(dev)
        dt = time.perf_counter() - t0
        if dt >= min_s and runs >= 5:
            return runs / dt


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bundle", type=Path, required=True)
    p.add_argument("--batches", default="16,32,64,128")
    p.add_argument("--images", type=int, default=64)
    a = p.parse_args()
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    man = json.loads((a.bundle / "manifest.json").read_text())
    L, sched, D = man["latent"], man["schedule"], man["privacy"]["embeddingDim"]
    result: dict = {"device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu", "torch": torch.__version__, "evaluationsPerSecond": {}, "imagesPerSecond": {}}
    result["conversionMaxAbsDiff"] = onnx_to_torch.check(a.bundle, dev)
    print(f"onnx2torch vs onnxruntime, max |difference| per graph: {result['conversionMaxAbsDiff']}", flush=True)
    den, dec, emb = (onnx_to_torch.load(a.bundle / man["graphs"][g]["file"]).to(dev) for g in ("denoiser", "decoder", "embedder"))

    for dtype in ("fp32", "bf16"):
        for b in map(int, a.batches.split(",")):
            x = torch.randn(b, L["channels"], L["height"], L["width"], device=dev)
            t = torch.full((b,), 500.0, device=dev)
            y = torch.full((b,), man["nullLabel"], dtype=torch.long, device=dev)

            def run() -> None:
                with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dtype == "bf16"):
                    den(x, t, y)

            r = b * rate(run, dev)
            result["evaluationsPerSecond"][f"{dtype}-{b}"] = r
            print(f"pytorch {dtype}: denoiser batch {b}: {r:.0f} evaluations/s", flush=True)

    ac = [float(v) for v in sched["alphasCumprod"]]
    T, S, g = sched["trainTimesteps"], man["sampling"]["defaultSteps"], man["sampling"]["defaultGuidance"]
    ts = [i * (T // S) for i in range(S)][::-1] if sched["timestepSpacing"] == "leading" else [round(T - i * T / S) - 1 for i in range(S)]
    ref = torch.from_numpy(np.fromfile(a.bundle / man["privacy"]["reference"]["file"], dtype="<f4").reshape(-1, D)).to(dev)
    hold = torch.from_numpy(np.fromfile(a.bundle / man["privacy"]["holdout"]["file"], dtype="<f4").reshape(-1, D)).to(dev)
    labels = torch.tensor([man["classes"][i % len(man["classes"])]["index"] for i in range(a.images)], device=dev)

    def pipeline(dtype: str) -> None:
        with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=dtype == "bf16"):
            n = a.images
            x = torch.randn(n, L["channels"], L["height"], L["width"], device=dev)
            lab2 = torch.cat([labels, torch.full_like(labels, man["nullLabel"])])
            for i, t in enumerate(ts):
                out = den(torch.cat([x, x]), torch.full((2 * n,), float(t), device=dev), lab2).float()
                pred = out[n:] + g * (out[:n] - out[n:])
                a_t = ac[t]
                a_p = ac[ts[i + 1]] if i + 1 < len(ts) else (1.0 if sched["finalAlphaCumprod"] == "one" else ac[0])
                if sched["predictionType"] == "epsilon":
                    x0, eps = (x - math.sqrt(1 - a_t) * pred) / math.sqrt(a_t), pred
                else:
                    x0, eps = math.sqrt(a_t) * x - math.sqrt(1 - a_t) * pred, math.sqrt(a_t) * pred + math.sqrt(1 - a_t) * x
                x = math.sqrt(a_p) * x0 + math.sqrt(1 - a_p) * eps
            u8 = torch.clamp(torch.round((dec(x).float() + 1) * 127.5), 0, 255)
            e = emb(u8 / 127.5 - 1).float()
            torch.cdist(e, ref).min(dim=1)
            torch.cdist(e, hold).min(dim=1)
            u8.to(torch.uint8).cpu()

    for dtype in ("fp32", "bf16"):
        r = a.images * rate(lambda: pipeline(dtype), dev, min_s=3.0)
        result["imagesPerSecond"][dtype] = r
        print(f"pytorch {dtype}: {a.images} images ({S} steps, guidance {g}): {r:.2f} images/s", flush=True)
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
