"""A bundle folder is built beside its target and moved into place only when complete (no torch).

A run that stops halfway leaves only the staging folder, which the next attempt replaces, so the
same command can simply be run again.
"""
from __future__ import annotations

import shutil
from pathlib import Path


def begin(bundle: Path) -> Path:
    """An empty staging folder for `bundle`; refuses a target that exists and is not a bundle."""
    if bundle.exists() and any(bundle.iterdir()) and not (bundle / "manifest.json").exists():
        raise FileExistsError(f"{bundle} is not empty and holds no bundle: refusing to replace it")
    staging = bundle.with_name(f".{bundle.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def finish(staging: Path, bundle: Path) -> Path:
    shutil.rmtree(bundle, ignore_errors=True)
    staging.rename(bundle)
    return bundle
