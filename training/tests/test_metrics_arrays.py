"""AUC by ranks against brute-force pair counting; parity array encoding."""
import numpy as np
import pytest

from factory import arrays
from factory.metrics import roc_auc


def brute_auc(scores, positive):
    pos, neg = scores[positive], scores[~positive]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return wins / (len(pos) * len(neg))


def test_auc_matches_pair_counting_with_ties():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 5, 60).astype(float)
    positive = rng.random(60) < 0.4
    assert roc_auc(scores, positive) == pytest.approx(brute_auc(scores, positive))
    assert roc_auc(np.array([0.1, 0.2, 0.8, 0.9]), np.array([False, False, True, True])) == 1.0


def test_auc_needs_both_classes():
    with pytest.raises(ValueError, match="both"):
        roc_auc(np.ones(3), np.ones(3, bool))


def test_parity_arrays_round_trip_little_endian():
    a = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    enc = arrays.encode(a)
    assert enc["shape"] == [2, 3] and enc["dtype"] == "float32"
    np.testing.assert_array_equal(arrays.decode(enc), a)
    np.testing.assert_array_equal(arrays.decode(arrays.encode(np.array([4, -1], np.int64))), [4, -1])


def test_parity_arrays_reject_wrong_sizes_and_dtypes():
    enc = arrays.encode(np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="shape"):
        arrays.decode({**enc, "shape": [5]})
    with pytest.raises(ValueError, match="float32 or int64"):
        arrays.encode(np.zeros(2, np.float64))
