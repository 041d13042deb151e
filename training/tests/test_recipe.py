"""Training-recipe schedules against reference numbers."""
import pytest

from factory.recipe import ema_decay


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
