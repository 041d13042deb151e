"""The partner's journey against the real server: catalogue, quote, order (idempotent), list,
read, follow, pull, cancel."""
from __future__ import annotations

import uuid

import pytest

from synthbus import Client, Cohort, ConflictError, Order, OrderFailedError


def test_models_show_the_fixture(client: Client) -> None:
    [model] = client.models()
    assert model.fixture is True
    assert {c.birads for c in model.classes} >= {3, 4}
    assert model.min_steps <= model.default_steps <= model.max_steps


def test_quote_apportions_exactly(client: Client) -> None:
    quote = client.quote({3: 0.4, 4: 0.3, 5: 0.3}, 7)
    assert quote.size == 7
    assert sum(quote.counts.values()) == 7
    assert set(quote.counts) == {3, 4, 5}
    # counts instead of fractions: size defaults to their sum
    assert client.quote({3: 2, 4: 1}).counts == {3: 2, 4: 1}


def test_sampler_is_chosen_per_order(client: Client) -> None:
    assert client.quote({3: 1}).sampler == "DDIM"
    assert client.quote({3: 1}, sampler="DPM_SOLVER_PP").sampler == "DPM_SOLVER_PP"
    order = client.order(mix={3: 1}, steps=1, sampler="DPM_SOLVER_PP")
    assert order.sampler == "DPM_SOLVER_PP"
    assert client.order(order.id).sampler == "DPM_SOLVER_PP"


def test_order_is_idempotent(client: Client) -> None:
    key = f"py-idem-{uuid.uuid4()}"
    first = client.order(mix={3: 1, 4: 1}, steps=1, idempotency_key=key)
    again = client.order(mix={3: 1, 4: 1}, steps=1, idempotency_key=key)
    assert again.id == first.id
    assert first.idempotency_key == key
    client.wait(first.id, progress=False)


def test_order_by_id_and_relay_iteration(client: Client, small_order: Order) -> None:
    assert client.order(small_order.id).counts == {3: 3, 4: 3}
    # page_size 1 crosses a page boundary for every order
    ids = [o.id for o in client.orders(page_size=1)]
    assert small_order.id in ids
    assert len(ids) == len(set(ids)) >= 2


def test_follow_yields_a_snapshot_then_ends_on_the_final_event(client: Client, small_order: Order) -> None:
    events = list(client.follow(small_order.id))
    assert events[0].type == "SNAPSHOT"
    assert events[-1].status == "COMPLETED"
    assert events[-1].delivered == 6
    assert events[-1].delivered_by_class == {3: 3, 4: 3}


def test_pull_delivers_a_verified_cohort(pulled: Cohort, small_order: Order) -> None:
    records = pulled.records()
    assert len(records) == 6
    assert sorted({r.birads for r in records}) == [3, 4]
    assert all(r.path.is_file() and r.file_name == f"images/{r.birads}/{r.index:06d}.png" for r in records)
    assert pulled.certificate.order_id == small_order.id
    assert pulled.certificate.passed
    assert (pulled.path / ".synthbus" / f"synthbus-{small_order.id}.zip").is_file()
    assert "6 delivered" in pulled.certificate.summary()


def test_pull_as_tar_gives_the_same_files(client: Client, small_order: Order, pulled: Cohort, tmp_path_factory: pytest.TempPathFactory) -> None:
    tar_cohort = client.pull(small_order.id, tmp_path_factory.mktemp("tar"), format="tar", progress=False)
    assert [(r.file_name, r.sha256) for r in tar_cohort.records()] == [(r.file_name, r.sha256) for r in pulled.records()]


def test_cancel_ends_the_order(client: Client) -> None:
    order = client.order(mix={3: 0.5, 4: 0.5}, size=40, idempotency_key=f"py-cancel-{uuid.uuid4()}")
    cancelled = client.cancel(order.id)
    assert cancelled.status == "CANCELLED"
    with pytest.raises(OrderFailedError) as failed:
        client.wait(order.id, progress=False)
    assert failed.value.status == "CANCELLED"
    with pytest.raises(ConflictError) as conflict:
        client.cancel(order.id)
    assert conflict.value.reason == "ORDER_FINISHED"
