"""Every shipped bundle (the tiny fixture and models/*): schema, hashes, reference data, parity shapes.

Runs without torch or onnxruntime; the numerical parity check is factory.verify_bundle.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from factory import arrays, manifest
from factory.data import read_split
from factory.schedule import ddim_timesteps

REPO = Path(__file__).resolve().parents[2]
BUNDLES = [REPO / "tests/fixtures/tiny-bundle"] + sorted(p.parent for p in (REPO / "models").glob("*/manifest.json"))
SPLITS = REPO / "training/splits"


@pytest.fixture(params=BUNDLES, ids=lambda p: p.relative_to(REPO).as_posix())
def bundle(request):
    return request.param, json.loads((request.param / "manifest.json").read_text())


def test_manifest_validates_and_every_file_matches_its_hash(bundle):
    folder, man = bundle
    manifest.validate(man)
    manifest.check_files(folder, man)
    size = sum(e["bytes"] for e in man["files"].values()) + (folder / "manifest.json").stat().st_size
    assert size < (3.5 * 2**20 if man["provenance"].get("fixture") else 60e6)


def test_graph_signatures_follow_the_bundle_format(bundle):
    _, man = bundle
    c, h, w = (man["latent"][k] for k in ("channels", "height", "width"))
    H, W, D = man["image"]["height"], man["image"]["width"], man["privacy"]["embeddingDim"]
    sig = {name: ([(t["name"], t["dtype"], t["shape"]) for t in g["inputs"]], [(t["name"], t["dtype"], t["shape"]) for t in g["outputs"]]) for name, g in man["graphs"].items()}
    assert sig["denoiser"] == ([("latent", "float32", [-1, c, h, w]), ("timestep", "float32", [-1]), ("label", "int64", [-1])], [("prediction", "float32", [-1, c, h, w])])
    assert sig["decoder"] == ([("latent", "float32", [-1, c, h, w])], [("image", "float32", [-1, 1, H, W])])
    assert sig["embedder"] == ([("image", "float32", [-1, 1, H, W])], [("embedding", "float32", [-1, D])])
    assert H == W == man["latent"]["height"] * man["latent"]["downsampling"]


@pytest.mark.parametrize("which, split", [("reference", "train.csv"), ("holdout", "val.csv")])
def test_embeddings_are_unit_rows_in_split_order(bundle, which, split):
    folder, man = bundle
    spec, d = man["privacy"][which], man["privacy"]["embeddingDim"]
    emb = np.fromfile(folder / spec["file"], dtype="<f4")
    assert emb.size == spec["count"] * d
    np.testing.assert_allclose(np.linalg.norm(emb.reshape(-1, d), axis=1), 1.0, atol=1e-4)
    ids = (folder / spec["idsFile"]).read_text(encoding="utf-8").splitlines()
    assert ids == [r.image_id for r in read_split(SPLITS / split)]


def test_classes_count_the_training_split(bundle):
    _, man = bundle
    train = read_split(SPLITS / "train.csv")
    assert {c["birads"]: c["trainCount"] for c in man["classes"]} == {b: sum(r.birads == b for r in train) for b in (2, 3, 4, 5)}


def test_parity_vectors_load_with_the_declared_shapes(bundle):
    folder, man = bundle
    parity = json.loads((folder / "parity.json").read_text())
    for name, graph in man["graphs"].items():
        for side, specs in (("inputs", graph["inputs"]), ("outputs", graph["outputs"])):
            for spec in specs:
                a = arrays.decode(parity[name][side][spec["name"]])
                assert a.dtype == np.dtype(spec["dtype"])
                assert [n if s == -1 else s for n, s in zip(a.shape, spec["shape"])] == list(a.shape) and a.ndim == len(spec["shape"])
    emb = arrays.decode(parity["embedder"]["outputs"]["embedding"])
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    tr, s = parity["trajectory"], man["schedule"]
    noise = arrays.decode(tr["initialNoise"])
    assert noise.shape[1:] == (man["latent"]["channels"], man["latent"]["height"], man["latent"]["width"])
    assert tr["steps"] == 10 and len(tr["latents"]) == 10 and len(tr["labels"]) == noise.shape[0]
    assert tr["timesteps"] == ddim_timesteps(s["trainTimesteps"], 10, s["timestepSpacing"])
    assert all(arrays.decode(x).shape == noise.shape for x in tr["latents"])
    assert arrays.decode(tr["image"]).shape == (noise.shape[0], 1, man["image"]["height"], man["image"]["width"])


def test_model_card_carries_the_citation_and_the_figures(bundle):
    folder, man = bundle
    card = (folder / "model-card.md").read_text(encoding="utf-8")
    assert "BUS-BRA: A Breast Ultrasound Dataset for Assessing Computer-aided Diagnosis Systems" in card
    assert f"{man['evaluation']['vae']['valPsnrDb']:.2f} dB" in card
    assert ("Test fixture" in card) == bool(man["provenance"].get("fixture"))
