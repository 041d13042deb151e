"""Broken connections, made by a proxy in front of the real server: an interrupted download
resumes with HTTP Range to the same bytes, and a dropped subscription resyncs from a snapshot."""
from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from synthbus import Client, Cohort, DownloadError, Order

from conftest import Partner, Server
from proxy import FlakyProxy


@pytest.fixture
def proxy(server: Server) -> Iterator[FlakyProxy]:
    url = httpx.URL(server.url)
    p = FlakyProxy((url.host, url.port or 80))
    yield p
    p.close()


@pytest.fixture
def reference(pulled: Cohort, small_order: Order) -> bytes:
    """The archive as downloaded in one piece by `pull`."""
    return (pulled.path / ".synthbus" / f"synthbus-{small_order.id}.zip").read_bytes()


def range_starts(proxy: FlakyProxy) -> "list[int]":
    sent = b"".join(proxy.requests).decode("latin-1")
    return [int(m) for m in re.findall(r"(?im)^range: bytes=(\d+)-", sent)]


def test_an_interrupted_download_resumes_byte_identically(proxy: FlakyProxy, partner: Partner, small_order: Order, reference: bytes, tmp_path: Path) -> None:
    proxy.cut_after = len(reference) // 2
    with Client(proxy.url(), api_key=partner.key) as c:
        target = c.download(small_order.id, tmp_path / "cohort.zip", progress=False)
    assert proxy.cuts == 1
    [start] = range_starts(proxy)
    assert 0 < start < len(reference)
    assert target.read_bytes() == reference
    assert not (tmp_path / "cohort.zip.part").exists()


def test_a_failed_download_resumes_on_the_next_call(proxy: FlakyProxy, partner: Partner, small_order: Order, reference: bytes, tmp_path: Path) -> None:
    proxy.cut_after = len(reference) // 3
    with Client(proxy.url(), api_key=partner.key) as c:
        with pytest.raises(DownloadError, match="resume"):
            c.download(small_order.id, tmp_path / "cohort.zip", progress=False, max_attempts=1)
        kept = (tmp_path / "cohort.zip.part").stat().st_size
        assert 0 < kept < len(reference)
        c.download(small_order.id, tmp_path / "cohort.zip", progress=False)
    assert range_starts(proxy) == [kept]
    assert (tmp_path / "cohort.zip").read_bytes() == reference


def test_follow_reconnects_and_resyncs_from_a_snapshot(proxy: FlakyProxy, client: Client, partner: Partner) -> None:
    order = client.order(mix={3: 2, 4: 2}, steps=1, idempotency_key=f"py-reconnect-{uuid.uuid4()}")
    events = []
    with Client(proxy.url(), api_key=partner.key) as c:
        for event in c.follow(order.id):
            events.append(event)
            if len(events) == 1:
                proxy.drop_all()  # the connection dies under the open subscription
    snapshots = [e for e in events if e.type == "SNAPSHOT"]
    assert len(snapshots) == 2
    assert events[-1].status == "COMPLETED"
    assert events[-1].delivered == 4
