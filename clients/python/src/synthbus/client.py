"""The SynthBUS API client: order, follow, pull (download, unpack, verify)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union, overload

from .archive import extract_archive
from .cohort import Cohort
from .download import download_archive
from .errors import ArchiveError, OrderFailedError, SynthBUSError
from .objects import DownloadLink, Model, Order, ProgressEvent, PublicKey, Quote, _time
from .operations import CANCEL_ORDER, CERTIFICATE_KEYS, CREATE_DOWNLOAD_LINK, DELETE_COHORT, MODELS, ORDER, ORDERS, PLACE_ORDER, QUOTE
from .progress import Progress
from .subscription import follow
from .transport import Transport

DEFAULT_URL = "http://127.0.0.1:4000/graphql"
FORMATS = ("zip", "tar")


def mix_input(mix: Mapping[int, Union[int, float]]) -> List[Dict[str, Any]]:
    """`{3: 0.4, 4: 0.6}` (fractions) or `{3: 40, 4: 60}` (counts: every value an int) as OrderInput.mix."""
    if not mix:
        raise ValueError("mix must name at least one BI-RADS category, e.g. {3: 0.5, 4: 0.5}")
    as_counts = all(isinstance(v, int) and not isinstance(v, bool) for v in mix.values())
    kind = "count" if as_counts else "fraction"
    return [{"birads": int(b), kind: v} for b, v in mix.items()]


class Client:
    """A connection to one SynthBUS API.

    `url`: the GraphQL endpoint (default `$SYNTHBUS_URL`, else http://127.0.0.1:4000/graphql).
    `api_key`: the partner's key (default `$SYNTHBUS_API_KEY`); public queries work without one.
    Use as a context manager, or call `close()`, to release the HTTP connection.
    """

    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None, *, timeout: float = 30.0) -> None:
        self.transport = Transport(
            url or os.environ.get("SYNTHBUS_URL") or DEFAULT_URL,
            api_key if api_key is not None else os.environ.get("SYNTHBUS_API_KEY"),
            timeout,
        )
        self.timeout = timeout

    @property
    def url(self) -> str:
        return self.transport.url

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    def execute(self, query: str, variables: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """Runs any GraphQL operation (e.g. the account mutations this class does not wrap); returns `data`."""
        return self.transport.execute(query, variables)

    # --- catalogue ---------------------------------------------------------------------------

    def models(self) -> List[Model]:
        return [Model.from_json(m) for m in self.execute(MODELS)["models"]]

    def certificate_keys(self) -> List[PublicKey]:
        """The keys the API signs certificates with, current first (old keys stay after a rotation)."""
        return [PublicKey.from_json(k) for k in self.execute(CERTIFICATE_KEYS)["certificateKeys"]]

    def _order_input(
        self,
        mix: Mapping[int, Union[int, float]],
        size: Optional[int],
        model_id: Optional[str],
        seed: Optional[int],
        sampler: Optional[str],
        steps: Optional[int],
        guidance: Optional[float],
    ) -> Dict[str, Any]:
        entries = mix_input(mix)
        if size is None:
            if "count" not in entries[0]:
                raise ValueError("size is needed when the mix gives fractions")
            size = sum(int(e["count"]) for e in entries)
        return {
            "modelId": model_id or self._only_model(),
            "size": size,
            "mix": entries,
            "seed": seed,
            "sampler": sampler,
            "steps": steps,
            "guidance": guidance,
        }

    def _only_model(self) -> str:
        ids = [m.model_id for m in self.models()]
        if len(ids) == 1:
            return ids[0]
        if not ids:
            raise SynthBUSError("the API has no model loaded yet; start a worker, then order")
        raise SynthBUSError(f"several models are available; pass model_id, one of {', '.join(ids)}")

    def quote(
        self,
        mix: Mapping[int, Union[int, float]],
        size: Optional[int] = None,
        *,
        model_id: Optional[str] = None,
        seed: Optional[int] = None,
        sampler: Optional[str] = None,
        steps: Optional[int] = None,
        guidance: Optional[float] = None,
    ) -> Quote:
        """The exact per-class counts, steps, guidance and quota usage an order would have, without placing it."""
        return Quote.from_json(self.execute(QUOTE, {"input": self._order_input(mix, size, model_id, seed, sampler, steps, guidance)})["quote"])

    # --- orders ------------------------------------------------------------------------------

    @overload
    def order(self, order_id: str) -> Order: ...

    @overload
    def order(
        self,
        *,
        mix: Mapping[int, Union[int, float]],
        size: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        model_id: Optional[str] = None,
        seed: Optional[int] = None,
        sampler: Optional[str] = None,
        steps: Optional[int] = None,
        guidance: Optional[float] = None,
    ) -> Order: ...

    def order(
        self,
        order_id: Optional[str] = None,
        *,
        mix: Optional[Mapping[int, Union[int, float]]] = None,
        size: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        model_id: Optional[str] = None,
        seed: Optional[int] = None,
        sampler: Optional[str] = None,
        steps: Optional[int] = None,
        guidance: Optional[float] = None,
    ) -> Order:
        """`order(order_id)` reads one of your orders; `order(mix=..., size=...)` places one.

        mix: BI-RADS -> fraction (floats summing to 1) or -> count (all ints). model_id defaults
        to the only model the API serves. sampler: "DDIM" (the default) or "DPM_SOLVER_PP" (on the
        shipped model no better than DDIM at equal steps). With `idempotency_key`, retrying the call (after a
        timeout, a crash, a re-run notebook cell) returns the same order instead of a second one.
        """
        if order_id is not None:
            if mix is not None:
                raise TypeError("order() takes an order id to read, or mix=... to place an order, not both")
            return Order.from_json(self.execute(ORDER, {"id": order_id})["order"])
        if mix is None:
            raise TypeError("order() needs an order id, or mix=... (and size=...) to place an order")
        data = self.execute(
            PLACE_ORDER,
            {"input": self._order_input(mix, size, model_id, seed, sampler, steps, guidance), "idempotencyKey": idempotency_key},
        )
        return Order.from_json(data["placeOrder"])

    def orders(self, *, status: Optional[Sequence[str]] = None, model_id: Optional[str] = None, page_size: int = 50) -> Iterator[Order]:
        """Your orders, newest first, fetched page by page (Relay cursors) as you iterate."""
        filter_: Dict[str, Any] = {}
        if status is not None:
            filter_["status"] = list(status)
        if model_id is not None:
            filter_["modelId"] = model_id
        after: Optional[str] = None
        while True:
            page = self.execute(ORDERS, {"after": after, "first": page_size, "filter": filter_ or None})["orders"]
            for edge in page["edges"]:
                yield Order.from_json(edge["node"])
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]

    def cancel(self, order_id: str) -> Order:
        """Cancels a queued or running order (ConflictError ORDER_FINISHED if it already ended)."""
        return Order.from_json(self.execute(CANCEL_ORDER, {"id": order_id})["cancelOrder"])

    def delete_cohort(self, order_id: str) -> Order:
        """Deletes an ended order's cohort from the service (its images and archives; the order and
        its certificate stay). Deleting again changes nothing; a queued or running order raises
        ConflictError ORDER_ACTIVE (cancel it first). Downloads then raise GoneError."""
        return Order.from_json(self.execute(DELETE_COHORT, {"orderId": order_id})["deleteCohort"])

    def follow(self, order_id: str, *, reconnect_attempts: int = 5) -> Iterator[ProgressEvent]:
        """Progress events over graphql-ws until the order completes, fails or is cancelled.

        The first event is a SNAPSHOT of the current state. A dropped connection is reopened (up
        to `reconnect_attempts` times in a row) and yields a fresh SNAPSHOT, so the latest event
        always reflects the order's full state. Another partner's order raises NotFoundError.
        """
        return follow(self.transport, order_id, reconnect_attempts, self.timeout)

    def wait(self, order_id: str, *, progress: bool = True) -> ProgressEvent:
        """Follows the order with a progress bar until it completes; raises OrderFailedError if it
        fails or is cancelled. Returns the final event."""
        bar = Progress("generating", "img", progress)
        try:
            for event in self.follow(order_id):
                bar.set(event.delivered, event.size, f"{event.rejected} resampled")
                if event.status in ("FAILED", "CANCELLED"):
                    raise OrderFailedError(order_id, event.status, event.failure_reason)
                if event.status == "COMPLETED":
                    return event
        finally:
            bar.close()
        raise AssertionError("follow() ended without a final event")  # follow returns only after one

    # --- delivery ----------------------------------------------------------------------------

    def download_link(self, order_id: str, format: str = "zip") -> DownloadLink:
        """A short-lived link to a completed order's archive; GET it with this client's key.
        The URL is absolute (resolved against the endpoint when the API returns a path)."""
        if format not in FORMATS:
            raise ValueError(f"format must be zip or tar, got {format!r}")
        link = self.execute(CREATE_DOWNLOAD_LINK, {"orderId": order_id, "format": format.upper()})["createDownloadLink"]
        return DownloadLink(url=self.transport.resolve(link["url"]), expires_at=_time(link["expiresAt"]))

    def download(self, order_id: str, target: Union[str, Path], *, format: str = "zip", progress: bool = True, max_attempts: int = 5) -> Path:
        """Downloads the archive to `target`, resuming with HTTP Range after a dropped connection
        (and, if all attempts fail, from `target`.part when called again). Returns `target`."""
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        download_archive(
            self.transport,
            lambda: self.download_link(order_id, format).url,
            path,
            Progress("downloading", "B", progress),
            max_attempts,
        )
        return path

    def pull(self, order_id: str, dest: Union[str, Path], *, format: str = "zip", progress: bool = True) -> Cohort:
        """Waits for the order (progress bar), downloads its archive (resumable) into
        `dest/.synthbus/`, unpacks it into `dest` and verifies it against the API's published keys.
        Raises OrderFailedError, DownloadError or VerificationError; returns the verified Cohort."""
        folder = Path(dest)
        self.wait(order_id, progress=progress)
        # Hidden, so dataset loaders (ImageFolder, HF imagefolder) never see the archive itself.
        archive = folder / ".synthbus" / f"synthbus-{order_id}.{format}"
        if not archive.exists():
            self.download(order_id, archive, format=format, progress=progress)
        try:
            extract_archive(archive, format, folder)
        except ArchiveError as e:
            raise ArchiveError(f"{e}; delete {archive} and pull again to download it anew") from e
        cohort = Cohort(folder)
        cohort.verify(self.certificate_keys())
        return cohort
