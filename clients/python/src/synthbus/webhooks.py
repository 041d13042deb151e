"""Verifying SynthBUS webhook deliveries in a Python receiver (docs/webhooks.md).

Each delivery carries ``SynthBUS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``
keyed with the endpoint's secret, and ``SynthBUS-Delivery: <id>``. Verify the raw body bytes,
refuse timestamps more than five minutes away (replays), and deduplicate on the delivery id::

    from synthbus.webhooks import verify_signature, WebhookSignatureError

    try:
        verify_signature(secret, request.headers["SynthBUS-Signature"], request.get_data())
    except WebhookSignatureError as e:
        return "", 400          # e.reason: MALFORMED_HEADER, TIMESTAMP_OUT_OF_TOLERANCE, SIGNATURE_MISMATCH
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Optional

SIGNATURE_HEADER = "SynthBUS-Signature"
DELIVERY_HEADER = "SynthBUS-Delivery"
EVENT_HEADER = "SynthBUS-Event"
DEFAULT_TOLERANCE_SECONDS = 300

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TIMESTAMP = re.compile(r"^\d{1,12}$")


class WebhookSignatureError(Exception):
    """The delivery is not authentic or not fresh; ``reason`` says which check failed."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The header SynthBUS sends for ``body`` signed at ``timestamp`` (for tests of a receiver)."""
    return f"t={timestamp},v1={_hmac_hex(secret, timestamp, body)}"


def _hmac_hex(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str,
    header: Optional[str],
    body: bytes,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: Optional[float] = None,
) -> None:
    """Raises WebhookSignatureError unless ``body`` was signed with ``secret`` within the tolerance.

    Any of several ``v1=`` entries may match, as in the server's own verifier.
    """
    parts = [p.strip().split("=", 1) for p in (header or "").split(",")]
    t = next((p[1] for p in parts if len(p) == 2 and p[0] == "t"), None)
    sigs = [p[1] for p in parts if len(p) == 2 and p[0] == "v1" and _HEX64.match(p[1])]
    if t is None or not _TIMESTAMP.match(t) or not sigs:
        raise WebhookSignatureError("MALFORMED_HEADER", f'expected "{SIGNATURE_HEADER}: t=<unix seconds>,v1=<64 hex digits>"')
    timestamp = int(t)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        raise WebhookSignatureError("TIMESTAMP_OUT_OF_TOLERANCE", f"signed at {timestamp}, {int(current - timestamp)} s from now; the limit is {tolerance_seconds} s")
    expected = _hmac_hex(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in sigs):
        raise WebhookSignatureError("SIGNATURE_MISMATCH", "no v1 signature matches the body and this secret")
