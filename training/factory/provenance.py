"""Dataset provenance, code version and hardware, as the manifest and model card state them (no torch)."""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

DATASET = "BUS-BRA (Gómez-Flores, Gregorio-Calas, Pereira), training part as provided in shared/datasets/bus-bra; Zenodo DOI 10.5281/zenodo.8231412"
LICENCE = "BUS-BRA dataset licence (MIT-style, permissive): use, copy, modify and distribute, on condition that works using it cite the article below"
CITATION = (
    'Wilfrido Gómez-Flores, Maria Julia Gregorio-Calas, and Wagner Coelho de Albuquerque Pereira, '
    '"BUS-BRA: A Breast Ultrasound Dataset for Assessing Computer-aided Diagnosis Systems", Medical Physics, 2023. '
    "doi:10.5281/zenodo.8231412"
)
PREPROCESSING = (
    "Grayscale; burned-in text and caliper marks removed before cropping: a white top-hat (image minus its 7x7 grey "
    "opening) marks thin bright strokes standing >= 90 grey levels above their surroundings and >= 140 in absolute value, "
    "the mask is dilated by 2 px and filled inward from the surrounding pixels by repeated normalized 3x3 averaging; then a "
    "4% border (scale bars, depth ticks, logos) is cut away, a square centred on the lesion box is cropped and resized "
    "(Lanczos) to 256x256, stored as JPEG q90; smaller configurations area-downsample that."
)


def code_version() -> str:
    """The git commit when there is one, always the sha256 of the factory's own source files."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{'git ' + commit + ', ' if commit else ''}training/factory sha256 {h.hexdigest()[:16]}"
