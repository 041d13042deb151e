"""One entry point for the whole factory: train VAE -> DiT -> embedder -> export -> evaluate.

Resumable: every stage checkpoints into --run-dir and a finished stage is skipped, so the same
command can be called repeatedly with --budget-s until it prints "STATUS complete" (the GPU run
fits the 10-minute device calls this way).
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from . import export, manifest, model_card, provenance, staging, train_dit, train_embedder, train_vae
from .common import device, log
from .config import CONFIGS, Config, smoke
from .data import BIRADS_CLASSES, LINKED_CASES
from .pack import Pack, load_pack
from .verify_bundle import verify

ROOT = Path(__file__).resolve().parents[2]
SMOKE_IMAGES = (8, 4)  # training, validation images of a --smoke run


def hardware(cfg: Config) -> str:
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (torch {torch.__version__}, bf16 autocast)"
    return f"cpu: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads (torch {torch.__version__}, {'bf16 autocast' if cfg.cpu_bf16 else 'fp32'})"


class Deadline:
    def __init__(self, budget_s: float | None):
        self.end = None if budget_s is None else time.time() + budget_s

    def left(self) -> float | None:
        return None if self.end is None else max(0.0, self.end - time.time())


def stage(name: str, t0: float) -> None:
    """`STAGE <name> <seconds> s`: gpu/run.sh lists these lines after each call."""
    log(f"STAGE {name} {time.time() - t0:.0f} s")


def train_all(cfg: Config, pack: Pack, run_dir: Path, deadline: Deadline) -> bool:
    """Trains whatever is unfinished; False when the budget ran out first."""
    t0 = time.time()
    if not (run_dir / "vae.pt").exists():
        if train_vae.train(cfg, pack, run_dir, deadline.left()) is None:
            return False
        stage("vae", t0)
    if not (run_dir / "dit.pt").exists():
        t0 = time.time()
        vae, result = train_vae.load_trained(cfg, run_dir)
        latents, birads = train_vae.latent_dataset(vae, pack, result["scale_factor"], device())
        stage("encode latents", t0)
        t0 = time.time()
        if train_dit.train(cfg, latents, birads, run_dir, deadline.left()) is None:
            return False
        stage("dit", t0)
    if not (run_dir / "embedder.pt").exists():
        t0 = time.time()
        if train_embedder.train(cfg, pack, run_dir, deadline.left()) is None:
            return False
        stage("embedder", t0)
    return True


def build_bundle(cfg: Config, pack: Pack, run_dir: Path, target: Path) -> dict:
    t0 = time.time()
    bundle = staging.begin(target)
    m = export.load_models(cfg, run_dir)
    graphs = export.export_graphs(cfg, m, bundle)
    priv = export.privacy_section(cfg, m, pack, bundle)
    export.write_parity(cfg, m, bundle)
    t_export = time.time() - t0
    stage("export", t0)
    from .evaluate import evaluate  # torch-heavy; imported only when the bundle is built

    t1 = time.time()
    ev = evaluate(cfg, m, pack, priv["threshold"], priv["calibration"]["trainNnQuantiles"], bundle)
    t_eval = time.time() - t1
    stage("evaluate", t1)
    r = m.results
    ev["vae"] = {"valPsnrDb": r["vae"]["val_psnr_db"], "valImages": int(pack.is_val.sum()), "params": r["vae"]["params"]}
    ev["copyDetection"] = priv["calibration"]["copyDetection"]
    ev["timingsSeconds"] = {"vae": r["vae"]["seconds"], "dit": r["dit"]["seconds"], "embedder": r["embedder"]["seconds"], "export": t_export, "evaluate": t_eval}
    ev["ditParams"] = r["dit"]["params"]
    ev["ditLatentsPerSecond"] = r["dit"]["latents_per_s"]
    if cfg.fixture:
        ev["fixture"] = True
    train_birads = pack.birads[~pack.is_val]
    man = {
        "schemaVersion": 1,
        "modelId": cfg.model_id,
        "name": cfg.name,
        "createdAt": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "classes": [{"birads": b, "index": i, "trainCount": int((train_birads == b).sum())} for i, b in enumerate(BIRADS_CLASSES)],
        "nullLabel": len(BIRADS_CLASSES),
        "image": {"height": cfg.image_size, "width": cfg.image_size, "channels": 1},
        "latent": {"channels": cfg.vae.latent_channels, "height": cfg.latent_size, "width": cfg.latent_size, "scaleFactor": m.scale_factor, "downsampling": 8},
        "schedule": export.schedule_section(cfg),
        "sampling": {"defaultSteps": cfg.default_steps, "minSteps": 1, "maxSteps": 100, "defaultGuidance": cfg.default_guidance, "minGuidance": 1.0, "maxGuidance": 10.0},
        "graphs": graphs,
        "privacy": priv,
        "provenance": {
            "dataset": provenance.DATASET,
            "licence": provenance.LICENCE,
            "citation": provenance.CITATION,
            "codeVersion": provenance.code_version(),
            "trainingConfig": cfg.as_dict(),
            "trainedOn": hardware(cfg) + (" — tiny test fixture" if cfg.fixture else ""),
            "trainedFor": ", ".join(f"{k} {v:.0f} s" for k, v in ev["timingsSeconds"].items()),
            "fixture": cfg.fixture,
            "preprocessing": provenance.PREPROCESSING,
            "split": {"train": int((~pack.is_val).sum()), "validation": int(pack.is_val.sum()), "trainCases": int(len(np.unique(pack.cases[~pack.is_val]))), "validationCases": int(len(np.unique(pack.cases[pack.is_val]))), "linkedCases": [list(g) for g in LINKED_CASES]},
        },
        "evaluation": ev,
        "files": {},
    }
    # the card is rendered from the manifest; it lists itself among the files, so render first
    (bundle / "model-card.md").write_text(model_card.render({**man, "files": {}}))
    manifest.write(bundle, man)
    staging.finish(bundle, target)
    path = target / "manifest.json"
    log(f"bundle: {target} ({sum(f.stat().st_size for f in target.iterdir()) / 2**20:.2f} MiB), manifest sha256 {manifest.sha256_file(path)}")
    return json.loads(path.read_text())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", choices=sorted(CONFIGS), required=True)
    p.add_argument("--pack", type=Path, default=ROOT / "training/.cache/busbra-256.tar")
    p.add_argument("--run-dir", type=Path, help="checkpoints (default training/runs/<config>)")
    p.add_argument("--bundle", type=Path, required=True, help="output bundle folder (replaced)")
    p.add_argument("--budget-s", type=float, help="stop training after this many seconds (resume with the same command)")
    p.add_argument("--threads", type=int, help="CPU threads for torch")
    p.add_argument("--smoke", action="store_true", help="the configuration's shapes with a few steps per stage and a few images (config.smoke)")
    a = p.parse_args()
    cfg = smoke(CONFIGS[a.config]) if a.smoke else CONFIGS[a.config]
    if a.threads:
        torch.set_num_threads(a.threads)
    run_dir = a.run_dir or ROOT / "training/runs" / (a.config + ("-smoke" if a.smoke else ""))
    log(f"config {a.config}{' (smoke)' if a.smoke else ''}: pack {a.pack}, run dir {run_dir}, device {hardware(cfg)}")
    pack = load_pack(a.pack, cfg.image_size)
    if a.smoke:
        pack = pack.head(*SMOKE_IMAGES)
    if not train_all(cfg, pack, run_dir, Deadline(a.budget_s)):
        print("STATUS incomplete: budget spent; run the same command again to continue", flush=True)
        return
    build_bundle(cfg, pack, run_dir, a.bundle)
    t0 = time.time()
    log(f"parity (max abs difference, onnxruntime vs PyTorch): {verify(a.bundle)}")
    stage("verify", t0)
    print("STATUS complete", flush=True)


if __name__ == "__main__":
    main()
