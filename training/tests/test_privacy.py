"""Exact NN distances between unit vectors, same-patient exclusion, threshold and copy detection."""
import numpy as np
import pytest

from factory.privacy import calibrate_threshold, copy_detection, nearest, quantiles, unit_distances


def unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_unit_distance_is_sqrt_two_minus_two_cos():
    a, b = unit([[1, 0]]), unit([[0, 1], [-1, 0], [1, 0]])
    np.testing.assert_allclose(unit_distances(a, b), [[np.sqrt(2), 2.0, 0.0]], atol=1e-7)


def test_nearest_skips_the_same_patient():
    emb = unit([[1, 0], [0.99, 0.01], [0, 1]])
    cases = np.array([7, 7, 8])
    d = nearest(emb, emb, cases, cases)
    # rows 0 and 1 are one patient's two views: each must find row 2, not the other view
    np.testing.assert_allclose(d[:2], unit_distances(emb[:2], emb[2:]).ravel(), atol=1e-7)


def test_nearest_matches_brute_force_in_chunks():
    rng = np.random.default_rng(1)
    q, r = unit(rng.standard_normal((50, 8))), unit(rng.standard_normal((70, 8)))
    np.testing.assert_allclose(nearest(q, r, chunk=7), unit_distances(q, r).min(axis=1))


def test_nearest_refuses_a_query_with_no_other_group():
    emb = unit([[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="own group"):
        nearest(emb, emb, np.array([1, 1]), np.array([1, 1]))


def test_threshold_and_copy_detection():
    train_nn = np.linspace(0.1, 1.1, 1001)
    t = calibrate_threshold(train_nn, 0.01)
    assert t == pytest.approx(0.11)
    cd = copy_detection(np.array([0.01, 0.05, 0.2]), np.array([0.5, 0.1, 0.9, 1.0]), t)
    assert cd == {"copiesCaught": pytest.approx(2 / 3), "distinctFlagged": 0.25, "copies": 3, "distinct": 4}
    with pytest.raises(ValueError, match="quantile"):
        calibrate_threshold(train_nn, 1.0)


def test_collapsed_embedder_fails_at_calibration():
    # 2% of training images have an identical embedding elsewhere: the 1% quantile is 0
    train_nn = np.concatenate([np.zeros(20), np.linspace(0.2, 1.0, 980)])
    with pytest.raises(ValueError, match="embedder collapsed"):
        calibrate_threshold(train_nn, 0.01)
    assert calibrate_threshold(train_nn, 0.05) > 0


def test_quantiles_are_sorted_pairs():
    qs = quantiles(np.arange(101, dtype=float), (0.1, 0.5))
    assert qs == [{"q": 0.1, "d": 10.0}, {"q": 0.5, "d": 50.0}]
