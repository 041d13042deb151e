"""Ultrasound preprocessing without torch: remove burned-in text and calipers, crop, resize.

Burned-in annotations (side/quadrant text, age, caliper '+' marks, the 'GE' logo) are thin,
bright strokes on darker speckle. A white top-hat (image minus its grey opening) isolates bright
structures narrower than the opening window; strokes that are also bright in absolute terms are
masked, the mask is dilated to cover anti-aliased edges, and the hole is filled from its
surroundings by repeated normalized box filtering. A fixed border strip (scale bars, depth ticks)
is cropped away. The denoiser then never sees the annotations, so it cannot reproduce them.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image

OPENING_SIZE = 7  # wider than text/caliper strokes (1-3 px), narrower than most anatomy
TOPHAT_MIN = 90  # grey levels above the local opening: strokes stand far above their surroundings
BRIGHT_MIN = 140  # annotations are drawn bright (text measured 200-255)
DILATE = 2
BORDER_FRACTION = 0.04


def _window_reduce(img: np.ndarray, size: int, reduce) -> np.ndarray:
    """Square-window min/max/mean, done separably (rows, then columns) for speed."""
    pad = size // 2
    rows = reduce(sliding_window_view(np.pad(img, ((0, 0), (pad, pad)), mode="edge"), size, axis=1), axis=-1)
    return reduce(sliding_window_view(np.pad(rows, ((pad, pad), (0, 0)), mode="edge"), size, axis=0), axis=-1)


def grey_opening(img: np.ndarray, size: int) -> np.ndarray:
    return _window_reduce(_window_reduce(img, size, np.min), size, np.max)


def annotation_mask(img: np.ndarray) -> np.ndarray:
    """Boolean mask of burned-in text and caliper pixels in a uint8 grayscale image."""
    if img.ndim != 2 or img.dtype != np.uint8:
        raise ValueError(f"annotation_mask expects a 2-D uint8 image, got {img.dtype} {img.shape}")
    tophat = img.astype(np.int16) - grey_opening(img, OPENING_SIZE).astype(np.int16)
    mask = (tophat >= TOPHAT_MIN) & (img >= BRIGHT_MIN)
    return _window_reduce(mask, 2 * DILATE + 1, np.max)


def _box_blur(x: np.ndarray, size: int) -> np.ndarray:
    return _window_reduce(x, size, np.mean)


def inpaint(img: np.ndarray, mask: np.ndarray, max_iters: int = 64) -> np.ndarray:
    """Fills masked pixels with the mean of their known neighbours, growing inwards."""
    out = img.astype(np.float32)
    known = (~mask).astype(np.float32)
    out[mask] = 0
    for _ in range(max_iters):
        if known.min() > 0:
            break
        num = _box_blur(out * known, 3)
        den = _box_blur(known, 3)
        fill = (known == 0) & (den > 0)
        out[fill] = num[fill] / den[fill]
        known[fill] = 1
    out[known == 0] = float(out[known > 0].mean()) if known.any() else 0.0
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def square_crop_box(width: int, height: int, bbox: tuple[int, int, int, int] | None) -> tuple[int, int, int, int]:
    """A square (left, top, right, bottom) inside the border strip, centred on the lesion when known."""
    bx, by = round(width * BORDER_FRACTION), round(height * BORDER_FRACTION)
    inner_w, inner_h = width - 2 * bx, height - 2 * by
    side = min(inner_w, inner_h)
    if bbox is None:
        cx, cy = width / 2, height / 2
    else:
        cx, cy = bbox[0] + bbox[2] / 2, bbox[1] + bbox[3] / 2
    left = int(np.clip(round(cx - side / 2), bx, bx + inner_w - side))
    top = int(np.clip(round(cy - side / 2), by, by + inner_h - side))
    return left, top, left + side, top + side


def preprocess(img: np.ndarray, size: int, bbox: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """uint8 grayscale image of any size -> uint8 [size, size], annotations removed."""
    if size < 8:
        raise ValueError(f"size must be at least 8, got {size}")
    clean = inpaint(img, annotation_mask(img))
    box = square_crop_box(img.shape[1], img.shape[0], bbox)
    return np.asarray(Image.fromarray(clean).crop(box).resize((size, size), Image.Resampling.LANCZOS))


def load_gray(path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("L"))
