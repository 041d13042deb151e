"""Stage: write the bundle's graphs, privacy reference, calibration and parity vectors."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import arrays, onnx_export, privacy, train_dit, train_embedder, train_vae
from .augment import copy_augment
from .common import device, device_of, log, to_model_range
from .config import Config
from .data import BIRADS_CLASSES, patient_of
from .nets.vae import ScaledDecoder
from .pack import Pack
from .schedule import DDIMScheduler, DPMSolverPPScheduler, sample_guided

COPIES_PER_IMAGE = 4
PARITY_ROWS = 2
TRAJECTORY_STEPS = 10
CPU = torch.device("cpu")


@dataclass
class Models:
    """The PyTorch twins of the exported graphs, in float32.

    Each step that runs them first places them on its device (`place`): a step that assumed where
    an earlier one left them fed CPU tensors to a CUDA embedder, after all of the training.
    """

    denoiser: torch.nn.Module
    decoder: torch.nn.Module
    embedder: torch.nn.Module
    scale_factor: float
    results: dict

    def denoise_np(self, latent: np.ndarray, timestep: np.ndarray, label: np.ndarray) -> np.ndarray:
        dev = device_of(self.denoiser)
        with torch.no_grad():
            args = (torch.from_numpy(latent).to(dev), torch.from_numpy(timestep).to(dev), torch.from_numpy(label).to(dev))
            return self.denoiser(*args).float().cpu().numpy()

    def place(self, dev: torch.device) -> "Models":
        for net in (self.denoiser, self.decoder, self.embedder):
            net.to(dev)
        return self


def load_models(cfg: Config, run_dir: Path) -> Models:
    vae, vae_result = train_vae.load_trained(cfg, run_dir)
    dit, dit_result = train_dit.load_trained(cfg, run_dir)
    emb, emb_result = train_embedder.load_trained(cfg, run_dir)
    scale = vae_result["scale_factor"]
    nets = [dit.float(), ScaledDecoder(vae.decoder, scale).eval().float(), emb.float()]
    if cfg.weights_fp16:
        nets = [onnx_export.round_weights_fp16(n) for n in nets]
    return Models(*nets, scale, {"vae": vae_result, "dit": dit_result, "embedder": emb_result})


def export_graphs(cfg: Config, m: Models, bundle: Path) -> dict:
    m.place(CPU)  # the ONNX exporter traces with the CPU example inputs below
    c, h = cfg.vae.latent_channels, cfg.latent_size
    z = torch.randn(2, c, h, h)
    specs = {
        "denoiser": (m.denoiser, (z, torch.tensor([10.0, 500.0]), torch.tensor([0, len(BIRADS_CLASSES)])), ["latent", "timestep", "label"], "prediction"),
        "decoder": (m.decoder, (z,), ["latent"], "image"),
        "embedder": (m.embedder, (torch.zeros(2, 1, cfg.image_size, cfg.image_size),), ["image"], "embedding"),
    }
    graphs = {}
    for name, (model, args, inputs, output) in specs.items():
        path = bundle / f"{name}.onnx"
        onnx_export.export(model, args, inputs, output, path, cfg.weights_fp16)
        ins, outs = onnx_export.io_spec(path)
        graphs[name] = {"file": path.name, "opset": onnx_export.OPSET, "inputs": ins, "outputs": outs}
        log(f"export: {path.name} {path.stat().st_size / 2**20:.2f} MiB")
    return graphs


def write_embeddings(bundle: Path, stem: str, emb: np.ndarray, ids: list[str]) -> dict:
    (bundle / f"{stem}.f32").write_bytes(np.ascontiguousarray(emb, dtype="<f4").tobytes())
    (bundle / f"{stem}-ids.txt").write_text("".join(f"{i}\n" for i in ids), encoding="utf-8")
    return {"file": f"{stem}.f32", "count": len(ids), "dtype": "float32", "idsFile": f"{stem}-ids.txt"}


def privacy_section(cfg: Config, m: Models, pack: Pack, bundle: Path) -> dict:
    m.place(device())
    train, val = pack.subset(~pack.is_val), pack.subset(pack.is_val)
    ref = train_embedder.embed(m.embedder, to_model_range(train.images)).numpy()
    hold = train_embedder.embed(m.embedder, to_model_range(val.images)).numpy()
    patients = np.array([patient_of(int(c)) for c in train.cases])
    train_nn = privacy.nearest(ref, ref, patients, patients)
    holdout_nn = privacy.nearest(hold, ref)
    threshold = privacy.calibrate_threshold(train_nn, cfg.threshold_quantile)
    # copies of validation images, searched against the training reference plus the originals
    gen = torch.Generator().manual_seed(cfg.seed + 3)
    val_x = to_model_range(val.images)
    copies = np.concatenate([train_embedder.embed(m.embedder, copy_augment(val_x, gen)).numpy() for _ in range(COPIES_PER_IMAGE)])
    copy_nn = privacy.nearest(copies, np.concatenate([ref, hold]))
    detection = privacy.copy_detection(copy_nn, holdout_nn, threshold)
    log(f"privacy: threshold {threshold:.4f}; copies caught {detection['copiesCaught']:.3f}, distinct flagged {detection['distinctFlagged']:.3f}")
    return {
        "embeddingDim": int(ref.shape[1]),
        "metric": "euclidean-unit",
        "reference": write_embeddings(bundle, "reference", ref, train.ids),
        "holdout": write_embeddings(bundle, "holdout", hold, val.ids),
        "threshold": threshold,
        "calibration": {
            "method": f"quantile {cfg.threshold_quantile} of each training image's distance to its nearest other training image, excluding the same patient's other view",
            "trainNnQuantiles": privacy.quantiles(train_nn),
            "holdoutNnQuantiles": privacy.quantiles(holdout_nn),
            "copyDetection": detection,
        },
    }


def schedule_section(cfg: Config) -> dict:
    d = cfg.dit
    return {
        "trainTimesteps": d.train_timesteps,
        "betaSchedule": d.beta_schedule,
        "alphasCumprod": [float(a) for a in DDIMScheduler.from_config(d).alphas_cumprod],
        "predictionType": d.prediction_type,
        "timestepSpacing": d.timestep_spacing,
        "finalAlphaCumprod": d.final_alpha_cumprod,
    }


def write_parity(cfg: Config, m: Models, bundle: Path) -> None:
    """Parity vectors from the twins on the CPU in float32 (what verify_bundle and the engine replay)."""
    m.place(CPU)
    rng = np.random.default_rng(cfg.seed + 4)
    c, h, s = cfg.vae.latent_channels, cfg.latent_size, cfg.image_size
    latent = rng.standard_normal((PARITY_ROWS, c, h, h)).astype(np.float32)
    timestep = np.array([999.0, 250.0], dtype=np.float32)
    label = np.array([1, len(BIRADS_CLASSES)], dtype=np.int64)
    image = np.clip(rng.standard_normal((PARITY_ROWS, 1, s, s)) * 0.5, -1, 1).astype(np.float32)
    with torch.no_grad():
        decoded = m.decoder(torch.from_numpy(latent)).numpy()
        embedding = m.embedder(torch.from_numpy(image)).numpy()
    labels = np.array([0, len(BIRADS_CLASSES) - 1], dtype=np.int64)
    noise = rng.standard_normal((PARITY_ROWS, c, h, h)).astype(np.float32)
    e = arrays.encode

    def trajectory(scheduler) -> dict:
        ts, latents = sample_guided(m.denoise_np, noise, labels, len(BIRADS_CLASSES), cfg.default_guidance, scheduler, TRAJECTORY_STEPS)
        with torch.no_grad():
            final_image = m.decoder(torch.from_numpy(latents[-1])).numpy()
        return {
            "steps": TRAJECTORY_STEPS,
            "guidance": cfg.default_guidance,
            "labels": [int(v) for v in labels],
            "timesteps": ts,
            "initialNoise": e(noise),
            "latents": [e(x) for x in latents],
            "image": e(final_image),
        }

    parity = {
        "denoiser": {"inputs": {"latent": e(latent), "timestep": e(timestep), "label": e(label)}, "outputs": {"prediction": e(m.denoise_np(latent, timestep, label))}},
        "decoder": {"inputs": {"latent": e(latent)}, "outputs": {"image": e(decoded)}},
        "embedder": {"inputs": {"image": e(image)}, "outputs": {"embedding": e(embedding)}},
        "trajectory": trajectory(DDIMScheduler.from_config(cfg.dit)),
        "dpmSolverTrajectory": trajectory(DPMSolverPPScheduler(DDIMScheduler.from_config(cfg.dit))),
    }
    (bundle / "parity.json").write_text(json.dumps(parity) + "\n")
