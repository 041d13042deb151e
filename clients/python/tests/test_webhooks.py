"""The webhook verifier: agreement with the server's signer, and refusal of replays, tampering,
other secrets and malformed headers, each for its reason."""
from __future__ import annotations

import subprocess

import pytest

from synthbus.webhooks import WebhookSignatureError, signature_header, verify_signature

from conftest import SERVER_DIR

SECRET = "whsec_python-test"
BODY = '{"eventId":"e","event":"COMPLETED","order":{"id":"ü"}}'.encode("utf-8")
T = 1_800_000_000


def reason(**kwargs: object) -> str | None:
    args = {"secret": SECRET, "header": signature_header(SECRET, T, BODY), "body": BODY, "now": T, **kwargs}
    try:
        verify_signature(args.pop("secret"), args.pop("header"), args.pop("body"), **args)  # type: ignore[arg-type]
    except WebhookSignatureError as e:
        return e.reason
    return None


def test_accepts_what_the_server_signs() -> None:
    [module] = (SERVER_DIR / "dist" / "src").glob("*/webhook-signature.js")
    script = "const { signatureHeader } = require(process.argv[1]); let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => process.stdout.write(signatureHeader(process.argv[2], Number(process.argv[3]), s)));"
    node = subprocess.run(["node", "-e", script, str(module), SECRET, str(T)], input=BODY, capture_output=True, timeout=60, check=True)
    header = node.stdout.decode("ascii")
    assert header == signature_header(SECRET, T, BODY)
    verify_signature(SECRET, header, BODY, now=T + 10)


def test_refuses_replays_tampering_and_bad_headers() -> None:
    assert reason() is None
    assert reason(now=T + 301) == "TIMESTAMP_OUT_OF_TOLERANCE"
    assert reason(now=T - 301) == "TIMESTAMP_OUT_OF_TOLERANCE"
    assert reason(body=BODY.replace(b"COMPLETED", b"FAILED")) == "SIGNATURE_MISMATCH"
    assert reason(secret="whsec_other") == "SIGNATURE_MISMATCH"
    moved = signature_header(SECRET, T, BODY).replace(f"t={T}", f"t={T + 60}")
    assert reason(header=moved, now=T + 60) == "SIGNATURE_MISMATCH"
    for bad in [None, "", "v1=abc", f"t={T}", "t=x,v1=" + "0" * 64]:
        assert reason(header=bad) == "MALFORMED_HEADER"


def test_any_of_several_signatures_may_match() -> None:
    old = signature_header("whsec_old", T, BODY).split(",")[1]
    assert reason(header=f"{signature_header(SECRET, T, BODY)},{old}") is None


@pytest.mark.parametrize("tolerance", [0, 60])
def test_tolerance_is_configurable(tolerance: int) -> None:
    assert reason(now=T + tolerance, tolerance_seconds=tolerance) is None
    assert reason(now=T + tolerance + 1, tolerance_seconds=tolerance) == "TIMESTAMP_OUT_OF_TOLERANCE"
