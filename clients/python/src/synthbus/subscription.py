"""`orderProgress` over the graphql-ws protocol ("graphql-transport-ws") on the API's own URL.

A dropped connection is reopened and the subscription started again; the server answers every
new subscription with a SNAPSHOT of the order's full state, which resynchronizes the caller with
whatever happened while it was disconnected.
"""
from __future__ import annotations

import json
import time
from typing import Any, Dict, Iterator, Optional

from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect
from websockets.sync.connection import Connection
from websockets.typing import Subprotocol

from .errors import AuthenticationError, SynthBUSError, TransportError, api_error
from .objects import ProgressEvent
from .operations import ORDER_PROGRESS
from .transport import Transport

PROTOCOL = Subprotocol("graphql-transport-ws")
#: The server's onConnect refused the key (graphql-ws closes 4403; 4401 is the protocol's own).
AUTH_CLOSE_CODES = (4401, 4403)
#: graphql-ws codes that mean a retry would be refused the same way (bad message, protocol, duplicate id).
FATAL_CLOSE_CODES = (4400, 4406, 4409, 4429)
SUBSCRIPTION_ID = "1"


def ws_url(http_url: str) -> str:
    return "ws" + http_url[len("http"):] if http_url.startswith("http") else http_url


def _receive(ws: Connection) -> Dict[str, Any]:
    raw = ws.recv()
    msg = json.loads(raw)
    if not isinstance(msg, dict):
        raise TransportError(f"the API sent a graphql-ws message that is not an object: {raw!r:.200}")
    return msg


def _init(ws: Connection, transport: Transport) -> None:
    """connection_init with the key (the server authenticates here), then wait for the ack."""
    auth = transport.headers().get("Authorization")
    ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": auth} if auth else {}}))
    while True:
        msg = _receive(ws)
        if msg.get("type") == "connection_ack":
            return
        if msg.get("type") == "ping":
            ws.send(json.dumps({"type": "pong"}))


def _close_code(e: ConnectionClosed) -> Optional[int]:
    return e.rcvd.code if e.rcvd is not None else None


def follow(transport: Transport, order_id: str, reconnect_attempts: int, timeout: float) -> Iterator[ProgressEvent]:
    """Yields the order's progress events until one has a final status; see `Client.follow`."""
    failures = 0
    last_problem = ""
    while True:
        try:
            with connect(ws_url(transport.url), subprotocols=[PROTOCOL], open_timeout=timeout) as ws:
                _init(ws, transport)
                ws.send(json.dumps({
                    "id": SUBSCRIPTION_ID,
                    "type": "subscribe",
                    "payload": {"query": ORDER_PROGRESS, "variables": {"orderId": order_id}},
                }))
                while True:
                    msg = _receive(ws)
                    kind = msg.get("type")
                    if kind == "ping":
                        ws.send(json.dumps({"type": "pong"}))
                    elif kind == "next":
                        payload = msg.get("payload") or {}
                        if payload.get("errors"):
                            raise api_error(payload["errors"])
                        event = ProgressEvent.from_json(payload["data"]["orderProgress"])
                        failures = 0  # the connection worked: a later drop gets the full retry budget
                        yield event
                        if event.final:
                            return
                    elif kind == "error":
                        raise api_error(msg.get("payload") or [])
                    elif kind == "complete":
                        raise SynthBUSError(f"the API ended the progress subscription of order {order_id} before the order finished")
        except ConnectionClosed as e:
            code = _close_code(e)
            if code in AUTH_CLOSE_CODES:
                raise AuthenticationError(
                    f"the API refused the API key for subscriptions (WebSocket closed {code} {e.rcvd.reason if e.rcvd else ''})".rstrip(),
                    code="UNAUTHENTICATED",
                ) from None
            if code in FATAL_CLOSE_CODES:
                raise TransportError(f"the API closed the progress subscription ({code} {e.rcvd.reason if e.rcvd else ''})") from None
            last_problem = f"the connection closed ({code if code is not None else 'no close frame'})"
        except (OSError, InvalidHandshake) as e:
            last_problem = f"cannot connect to {ws_url(transport.url)}: {e}"
        failures += 1
        if failures > reconnect_attempts:
            raise TransportError(f"progress of order {order_id}: {last_problem}; gave up after {reconnect_attempts} reconnects")
        time.sleep(min(5.0, 0.2 * 2 ** (failures - 1)))
