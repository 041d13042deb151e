"""Stage: the model card's figures, computed from the trained models and the real data.

- samples grid: 8 images per class (rows BI-RADS 2..5), PNG;
- privacy: NN distances of >= 1,000 samples to the training reference vs the training set's own;
- fidelity: a BI-RADS classifier trained on the real training split, accuracy on real validation
  images and on synthetic images of each class;
- realism: AUC of a real-vs-synthetic classifier on held-out real and synthetic images.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.nn import functional as F

from . import privacy
from .common import Batches, autocast, device, device_of, log, to_model_range, to_u8
from .config import Config
from .data import BIRADS_CLASSES
from .export import Models
from .metrics import accuracy, roc_auc
from .nets.classifier import ConvClassifier
from .pack import Pack
from .schedule import DDIMScheduler, sample_guided
from .train_embedder import embed

GRID_PER_CLASS = 8


def generate(cfg: Config, m: Models, labels: np.ndarray, seed: int, batch: int = 250) -> np.ndarray:
    """Synthetic images (float32 [N,1,S,S] in [-1,1]) for class indices `labels`, with the defaults."""
    rng, scheduler = np.random.default_rng(seed), DDIMScheduler.from_config(cfg.dit)
    dev = device_of(m.decoder)
    out = []
    for s in range(0, len(labels), batch):
        lab = labels[s : s + batch]
        noise = rng.standard_normal((len(lab), cfg.vae.latent_channels, cfg.latent_size, cfg.latent_size)).astype(np.float32)
        _, latents = sample_guided(m.denoise_np, noise, lab, len(BIRADS_CLASSES), cfg.default_guidance, scheduler, cfg.default_steps)
        with torch.no_grad():
            out.append(m.decoder(torch.from_numpy(latents[-1]).to(dev)).float().clamp(-1, 1).cpu().numpy())
    return np.concatenate(out)


def samples_grid(images: np.ndarray, labels: np.ndarray, path: Path) -> None:
    """Rows: BI-RADS 2..5 (class index order); GRID_PER_CLASS images each."""
    s = images.shape[-1]
    grid = Image.new("L", (GRID_PER_CLASS * s, len(BIRADS_CLASSES) * s))
    for row in range(len(BIRADS_CLASSES)):
        for col, i in enumerate(np.flatnonzero(labels == row)[:GRID_PER_CLASS]):
            grid.paste(Image.fromarray(to_u8(images[i, 0])), (col * s, row * s))
    grid.save(path, optimize=True)


def train_classifier(x: torch.Tensor, y: torch.Tensor, outputs: int, steps: int, seed: int) -> ConvClassifier:
    """Trains on images x ([N,1,S,S]) and integer targets y, with flips and small crops."""
    dev = device()
    torch.manual_seed(seed)
    net = ConvClassifier(outputs).to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    batches = Batches(len(x), 64, seed)
    for _ in range(steps):
        idx = batches.next()
        xb, yb = x[idx].to(dev), y[idx].to(dev)
        xb = torch.where(torch.rand(len(xb), 1, 1, 1, device=dev) < 0.5, xb.flip(-1), xb)
        with autocast(dev):
            loss = F.cross_entropy(net(xb).float(), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return net.eval()


@torch.no_grad()
def predict(net: ConvClassifier, x: torch.Tensor, batch: int = 256) -> np.ndarray:
    dev = device_of(net)
    return torch.cat([net(x[i : i + batch].to(dev)).float().softmax(1).cpu() for i in range(0, len(x), batch)]).numpy()


def evaluate(cfg: Config, m: Models, pack: Pack, threshold: float, train_nn_quantiles: list[dict], bundle: Path) -> dict:
    m.place(device())
    n_classes = len(BIRADS_CLASSES)
    labels = np.arange(cfg.eval_samples) % n_classes
    log(f"evaluate: sampling {len(labels)} images at {cfg.default_steps} steps, guidance {cfg.default_guidance}")
    synth = generate(cfg, m, labels, cfg.seed + 5)
    samples_grid(synth, labels, bundle / "samples.png")

    train, val = pack.subset(~pack.is_val), pack.subset(pack.is_val)
    train_x, val_x, synth_x = to_model_range(train.images), to_model_range(val.images), torch.from_numpy(synth)
    ref = embed(m.embedder, train_x).numpy()
    synth_nn = privacy.nearest(embed(m.embedder, synth_x).numpy(), ref)

    def class_of(birads: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.searchsorted(BIRADS_CLASSES, birads))

    fid = train_classifier(train_x, class_of(train.birads), n_classes, cfg.eval_classifier_steps, cfg.seed + 6)
    val_acc = accuracy(predict(fid, val_x).argmax(1), class_of(val.birads).numpy())
    synth_pred = predict(fid, synth_x).argmax(1)
    per_class = {f"birads{b}": accuracy(synth_pred[labels == k], labels[labels == k]) for k, b in enumerate(BIRADS_CLASSES)}

    # real vs synthetic: train on the real training split vs the first half of the samples,
    # score held-out real (validation) vs the second half
    half = len(synth_x) // 2
    rvs_x = torch.cat([train_x, synth_x[:half]])
    rvs_y = torch.cat([torch.zeros(len(train_x), dtype=torch.long), torch.ones(half, dtype=torch.long)])
    rvs = train_classifier(rvs_x, rvs_y, 2, cfg.eval_classifier_steps, cfg.seed + 7)
    test_x = torch.cat([val_x, synth_x[half:]])
    is_synth = np.concatenate([np.zeros(len(val_x), bool), np.ones(len(synth_x) - half, bool)])
    auc = roc_auc(predict(rvs, test_x)[:, 1], is_synth)
    result = {
        "samples": {"count": int(len(labels)), "steps": cfg.default_steps, "guidance": cfg.default_guidance, "grid": "samples.png", "gridLayout": f"rows BI-RADS {', '.join(map(str, BIRADS_CLASSES))}; {GRID_PER_CLASS} per row"},
        "privacy": {
            "samples": int(len(synth_nn)),
            "threshold": threshold,
            "fractionBelowThreshold": float((synth_nn < threshold).mean()),
            "sampleNnQuantiles": privacy.quantiles(synth_nn),
            "trainNnQuantiles": train_nn_quantiles,
        },
        "fidelity": {"classifier": "ConvClassifier trained on the real training split", "realValidationAccuracy": val_acc, "syntheticAccuracy": per_class, "chanceAccuracy": 1 / n_classes},
        "realism": {"realVsSyntheticAuc": auc, "testReal": int(len(val_x)), "testSynthetic": int(len(synth_x) - half), "note": "0.5 = indistinguishable, 1.0 = perfectly separable"},
    }
    log(f"evaluate: NN below threshold {result['privacy']['fractionBelowThreshold']:.3f}, fidelity real val {val_acc:.3f} synthetic {per_class}, realism AUC {auc:.3f}")
    return result
