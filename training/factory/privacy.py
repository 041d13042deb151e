"""Exact nearest-neighbour distances between unit embeddings and the threshold calibration (no torch)."""
from __future__ import annotations

import numpy as np

QUANTILES = (0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)


def unit_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance between unit vectors, sqrt(2 - 2 cos), [len(a), len(b)] in float64."""
    cos = np.clip(a.astype(np.float64) @ b.astype(np.float64).T, -1.0, 1.0)
    return np.sqrt(np.maximum(2.0 - 2.0 * cos, 0.0))


def nearest(query: np.ndarray, ref: np.ndarray, query_groups: np.ndarray | None = None, ref_groups: np.ndarray | None = None, chunk: int = 1024) -> np.ndarray:
    """Distance from each query row to its nearest reference row.

    With groups (patient ids), reference rows of the query's own group are skipped: a training
    image's nearest *other* image, not counting the other view of the same patient.
    """
    out = np.empty(len(query), dtype=np.float64)
    for s in range(0, len(query), chunk):
        d = unit_distances(query[s : s + chunk], ref)
        if query_groups is not None and ref_groups is not None:
            d[query_groups[s : s + chunk, None] == ref_groups[None, :]] = np.inf
        out[s : s + chunk] = d.min(axis=1)
    if not np.isfinite(out).all():
        raise ValueError("some query has no reference outside its own group")
    return out


def quantiles(d: np.ndarray, qs: tuple[float, ...] = QUANTILES) -> list[dict[str, float]]:
    return [{"q": q, "d": float(np.quantile(d, q))} for q in qs]


def calibrate_threshold(train_nn: np.ndarray, q: float) -> float:
    """The certificate threshold: the q-quantile of training images' nearest-other distances.

    A generated image closer to a training image than all but a fraction q of real, distinct
    training images are to each other is treated as a possible copy.
    """
    if not 0 < q < 1:
        raise ValueError(f"threshold quantile must be in (0, 1), got {q}")
    threshold = float(np.quantile(train_nn, q))
    # a collapsed embedder maps distinct images to one point; the bundle schema would reject the
    # zero only after the whole evaluation, so fail here, right after the embedder
    if not threshold > 0:
        raise ValueError(f"privacy threshold {threshold} is not positive: the embedder collapsed (distinct training images embed at distance 0)")
    return threshold


def copy_detection(copy_nn: np.ndarray, distinct_nn: np.ndarray, threshold: float) -> dict[str, float | int]:
    """Fraction of copies caught (d < threshold) and of distinct images flagged."""
    return {
        "copiesCaught": float((copy_nn < threshold).mean()),
        "distinctFlagged": float((distinct_nn < threshold).mean()),
        "copies": int(len(copy_nn)),
        "distinct": int(len(distinct_nn)),
    }
