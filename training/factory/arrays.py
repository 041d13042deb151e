"""Parity-vector arrays as docs/bundle-format.md encodes them (no torch)."""
from __future__ import annotations

import base64

import numpy as np

DTYPES = {"float32": np.dtype("<f4"), "int64": np.dtype("<i8")}


def encode(a: np.ndarray) -> dict:
    name = {np.dtype("float32"): "float32", np.dtype("int64"): "int64"}.get(a.dtype)
    if name is None:
        raise ValueError(f"parity arrays are float32 or int64, got {a.dtype}")
    return {"shape": list(a.shape), "dtype": name, "data": base64.b64encode(np.ascontiguousarray(a, dtype=DTYPES[name]).tobytes()).decode()}


def decode(obj: dict) -> np.ndarray:
    if obj.get("dtype") not in DTYPES:
        raise ValueError(f"unknown parity dtype {obj.get('dtype')!r}")
    flat = np.frombuffer(base64.b64decode(obj["data"]), dtype=DTYPES[obj["dtype"]])
    if flat.size != int(np.prod(obj["shape"])):
        raise ValueError(f"parity array has {flat.size} values, shape {obj['shape']} needs {int(np.prod(obj['shape']))}")
    return flat.reshape(obj["shape"])
