"""Bundle manifest: file hashes, schema validation, writing (no torch)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas/manifest-v1.schema.json"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_entries(bundle: Path, names: list[str]) -> dict[str, dict]:
    """{name: {sha256, bytes}} for every bundle file; refuses a missing one or the manifest itself."""
    out = {}
    for name in sorted(names):
        if name == "manifest.json":
            raise ValueError("manifest.json cannot list itself in files")
        path = bundle / name
        if not path.is_file():
            raise FileNotFoundError(f"bundle file {name} is missing from {bundle}")
        out[name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    return out


def validate(manifest: dict) -> None:
    """Raises jsonschema.ValidationError naming the failing field."""
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(manifest)
    classes = manifest["classes"]
    indices = [c["index"] for c in classes]
    if len(set(indices)) != len(indices):
        raise ValueError(f"classes: duplicate label index in {indices}")
    if manifest["nullLabel"] in indices:
        raise ValueError(f"nullLabel {manifest['nullLabel']} collides with a class index")
    if len(manifest["schedule"]["alphasCumprod"]) != manifest["schedule"]["trainTimesteps"]:
        raise ValueError("schedule.alphasCumprod must have trainTimesteps entries")
    for graph in manifest["graphs"].values():
        if graph["file"] not in manifest["files"]:
            raise ValueError(f"graphs: {graph['file']} is not listed in files")


def check_files(bundle: Path, manifest: dict) -> None:
    """Every listed file exists with the declared size and sha256."""
    for name, entry in manifest["files"].items():
        path = bundle / name
        if not path.is_file():
            raise FileNotFoundError(f"files.{name}: missing")
        if path.stat().st_size != entry["bytes"] or sha256_file(path) != entry["sha256"]:
            raise ValueError(f"files.{name}: size or sha256 does not match the manifest")


def write(bundle: Path, manifest: dict) -> Path:
    """Fills manifest['files'] from every file in the folder but manifest.json, validates, writes."""
    names = [p.name for p in bundle.iterdir() if p.is_file() and p.name != "manifest.json"]
    manifest = {**manifest, "files": file_entries(bundle, names)}
    validate(manifest)
    path = bundle / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path
