"""Manifest writing: file hashes, schema validation with errors that name the field, tamper checks."""
import json

import jsonschema
import pytest

from factory import manifest
from factory.schedule import alphas_cumprod


def tensor(name, dtype, shape):
    return {"name": name, "dtype": dtype, "shape": shape}


def minimal(files=("denoiser.onnx", "decoder.onnx", "embedder.onnx")) -> dict:
    q = [{"q": 0.01, "d": 0.2}, {"q": 0.5, "d": 0.6}]
    emb = {"file": "reference.f32", "count": 2, "dtype": "float32", "idsFile": "reference-ids.txt"}
    return {
        "schemaVersion": 1,
        "modelId": "unit-test-model",
        "name": "unit test",
        "createdAt": "2026-01-01T00:00:00Z",
        "classes": [{"birads": b, "index": i, "trainCount": 3} for i, b in enumerate((2, 3, 4, 5))],
        "nullLabel": 4,
        "image": {"height": 64, "width": 64, "channels": 1},
        "latent": {"channels": 4, "height": 8, "width": 8, "scaleFactor": 0.7, "downsampling": 8},
        "schedule": {"trainTimesteps": 10, "betaSchedule": "cosine", "alphasCumprod": [float(a) for a in alphas_cumprod("cosine", 10)], "predictionType": "v_prediction", "timestepSpacing": "trailing", "finalAlphaCumprod": "one"},
        "sampling": {"defaultSteps": 5, "minSteps": 1, "maxSteps": 10, "defaultGuidance": 3.0, "minGuidance": 1.0, "maxGuidance": 10.0},
        "graphs": {
            "denoiser": {"file": files[0], "opset": 17, "inputs": [tensor("latent", "float32", [-1, 4, 8, 8])], "outputs": [tensor("prediction", "float32", [-1, 4, 8, 8])]},
            "decoder": {"file": files[1], "opset": 17, "inputs": [tensor("latent", "float32", [-1, 4, 8, 8])], "outputs": [tensor("image", "float32", [-1, 1, 64, 64])]},
            "embedder": {"file": files[2], "opset": 17, "inputs": [tensor("image", "float32", [-1, 1, 64, 64])], "outputs": [tensor("embedding", "float32", [-1, 2])]},
        },
        "privacy": {"embeddingDim": 2, "metric": "euclidean-unit", "reference": emb, "holdout": emb, "threshold": 0.2, "calibration": {"method": "test", "trainNnQuantiles": q, "holdoutNnQuantiles": q, "copyDetection": {"copiesCaught": 1.0, "distinctFlagged": 0.0, "copies": 4, "distinct": 2}}},
        "provenance": {"dataset": "d", "licence": "l", "citation": "c", "codeVersion": "v", "trainingConfig": {}, "trainedOn": "cpu", "trainedFor": "1 s", "fixture": True},
        "evaluation": {},
        "files": {},
    }


@pytest.fixture
def bundle(tmp_path):
    for name in ("denoiser.onnx", "decoder.onnx", "embedder.onnx", "reference.f32", "reference-ids.txt"):
        (tmp_path / name).write_bytes(name.encode())
    return tmp_path


def test_write_lists_every_file_with_its_hash_and_validates(bundle):
    path = manifest.write(bundle, minimal())
    written = json.loads(path.read_text())
    assert sorted(written["files"]) == ["decoder.onnx", "denoiser.onnx", "embedder.onnx", "reference-ids.txt", "reference.f32"]
    assert written["files"]["reference.f32"] == {"sha256": manifest.sha256_file(bundle / "reference.f32"), "bytes": len(b"reference.f32")}
    manifest.check_files(bundle, written)


def test_schema_error_names_the_field(bundle):
    bad = minimal()
    bad["schedule"]["predictionType"] = "sample"
    with pytest.raises(jsonschema.ValidationError) as err:
        manifest.write(bundle, bad)
    assert list(err.value.absolute_path) == ["schedule", "predictionType"]
    assert not (bundle / "manifest.json").exists()


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda m: m.update(nullLabel=2), "nullLabel"),
        (lambda m: m["classes"][1].update(index=0), "duplicate label index"),
        (lambda m: m["schedule"]["alphasCumprod"].pop(), "trainTimesteps"),
    ],
)
def test_consistency_errors_name_the_problem(bundle, edit, message):
    bad = minimal()
    edit(bad)
    with pytest.raises(ValueError, match=message):
        manifest.write(bundle, bad)


def test_a_graph_file_missing_from_the_folder_is_refused(bundle):
    (bundle / "decoder.onnx").unlink()
    with pytest.raises(ValueError, match="decoder.onnx"):
        manifest.write(bundle, minimal())


def test_tampered_file_is_named(bundle):
    written = json.loads(manifest.write(bundle, minimal()).read_text())
    (bundle / "reference.f32").write_bytes(b"reference.f33")
    with pytest.raises(ValueError, match="files.reference.f32"):
        manifest.check_files(bundle, written)
