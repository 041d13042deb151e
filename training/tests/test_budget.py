"""The real run's device-time plan: every training stage capped, the whole within 14 of the 15 minutes."""
from factory.config import DEVICE_LIMIT_S, DEVICE_MARGIN_S, REAL, device_plan_s


def test_real_run_fits_its_device_time_with_a_minute_to_spare():
    plan = device_plan_s(REAL)
    assert all(v is not None and v > 0 for v in plan.values()), plan
    assert sum(plan.values()) <= DEVICE_LIMIT_S - DEVICE_MARGIN_S == 14 * 60
    assert plan["dit"] <= 300  # 330 left only ~2 minutes of margin
