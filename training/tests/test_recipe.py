"""Training-recipe schedules against reference numbers."""
import numpy as np
import pytest

from factory.recipe import ema_decay, lr_factor, min_snr_weights


def test_ema_decay_warms_up_then_holds():
    assert ema_decay(0.9995, 0) == pytest.approx(0.1)
    assert ema_decay(0.9995, 1) == pytest.approx(2 / 11)
    assert ema_decay(0.9995, 90) == pytest.approx(0.91)
    assert ema_decay(0.9995, 6000) == pytest.approx(6001 / 6010)
    assert ema_decay(0.9995, 20000) == 0.9995
    # weight of the initial value after 6,000 updates: negligible with warm-up (5% without)
    keep = 1.0
    for t in range(6000):
        keep *= ema_decay(0.9995, t)
    assert keep < 1e-9 and 0.9995**6000 == pytest.approx(0.0498, abs=1e-4)


def test_min_snr_weights_reference_numbers():
    acp = np.array([10 / 11, 0.5, 1 / 11])  # SNR 10, 1, 0.1
    np.testing.assert_allclose(min_snr_weights(acp, 5.0, "epsilon"), [0.5, 1.0, 1.0])
    np.testing.assert_allclose(min_snr_weights(acp, 5.0, "v_prediction"), [5 / 11, 0.5, 0.1 / 1.1])


def test_lr_warms_up_then_decays_by_cosine():
    assert lr_factor(0, 0.0, 100) == pytest.approx(0.01)
    assert lr_factor(99, 0.0, 100) == 1.0
    assert lr_factor(1000, 0.5, 100) == pytest.approx(0.5)
    assert lr_factor(1000, 0.25, 100) == pytest.approx((1 + np.sqrt(0.5)) / 2)
    assert lr_factor(5000, 1.0, 100) == pytest.approx(0.0) and lr_factor(5000, 1.3, 100) == pytest.approx(0.0)
