"""A cohort's lifecycle from Python: its expiry, delete_cohort, and GoneError afterwards."""
from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from synthbus import Client, GoneError
from synthbus.download import download_archive
from synthbus.progress import Progress


def test_delete_cohort_keeps_the_order_and_downloads_raise_gone(client: Client, tmp_path: Path) -> None:
    order = client.order(mix={3: 1.0}, size=2, seed=11, steps=4, idempotency_key=f"py-delete-{uuid.uuid4()}")
    client.wait(order.id, progress=False)
    done = client.order(order.id)
    assert done.finished_at is not None and done.cohort_expires_at == done.finished_at + timedelta(days=90)
    assert done.cohort_deleted_at is None and done.cohort_deletion_reason is None

    link = client.download_link(order.id)
    deleted = client.delete_cohort(order.id)
    assert deleted.status == "COMPLETED" and deleted.cohort_deletion_reason == "PARTNER_DELETED"
    assert deleted.cohort_deleted_at is not None and deleted.cohort_expires_at is None
    assert client.delete_cohort(order.id) == deleted
    with pytest.raises(GoneError) as gone:
        client.download_link(order.id)
    assert gone.value.reason == "COHORT_DELETED"
    assert f"The cohort of order {order.id} was deleted" in str(gone.value)
    # A link issued before the deletion: the download route answers 410, raised as GoneError too.
    with pytest.raises(GoneError) as late:
        download_archive(client.transport, lambda: link.url, tmp_path / "cohort.zip", Progress("downloading", "B", False))
    assert late.value.reason == "COHORT_DELETED"
