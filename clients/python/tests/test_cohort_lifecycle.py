"""A cohort's lifecycle from Python: its expiry, delete_cohort, and GoneError afterwards."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from synthbus import Client, GoneError


def test_delete_cohort_keeps_the_order_and_downloads_raise_gone(client: Client) -> None:
    order = client.order(mix={3: 1.0}, size=2, seed=11, steps=4, idempotency_key=f"py-delete-{uuid.uuid4()}")
    client.wait(order.id, progress=False)
    done = client.order(order.id)
    assert done.finished_at is not None and done.cohort_expires_at == done.finished_at + timedelta(days=90)
    assert done.cohort_deleted_at is None and done.cohort_deletion_reason is None

    deleted = client.delete_cohort(order.id)
    assert deleted.status == "COMPLETED" and deleted.cohort_deletion_reason == "PARTNER_DELETED"
    assert deleted.cohort_deleted_at is not None and deleted.cohort_expires_at is None
    assert client.delete_cohort(order.id) == deleted
    with pytest.raises(GoneError) as gone:
        client.download_link(order.id)
    assert gone.value.reason == "COHORT_DELETED"
    assert f"The cohort of order {order.id} was deleted" in str(gone.value)
