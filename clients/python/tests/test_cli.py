"""The console script: order and pull with a Python-only install (`python -m synthbus` is the
same entry point as the `synthbus` script)."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from conftest import Partner, Server


def synthbus(server: Server, partner: Partner, *args: str) -> "subprocess.CompletedProcess[str]":
    env = {**os.environ, "SYNTHBUS_URL": server.url, "SYNTHBUS_API_KEY": partner.key}
    return subprocess.run([sys.executable, "-m", "synthbus", *args], env=env, capture_output=True, text=True, timeout=120)


def test_order_then_pull(server: Server, partner: Partner, tmp_path: Path) -> None:
    key = f"py-cli-{uuid.uuid4()}"
    placed = synthbus(server, partner, "order", "--mix", "3=0.5,4=0.5", "--size", "2", "--idempotency-key", key)
    assert placed.returncode == 0, placed.stderr
    order_id = placed.stdout.strip()
    again = synthbus(server, partner, "order", "--mix", "3=0.5,4=0.5", "--size", "2", "--idempotency-key", key)
    assert again.stdout.strip() == order_id
    pulled = synthbus(server, partner, "pull", order_id, "--out", str(tmp_path / "cohort"))
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout.startswith("OK: 2 images")
    assert "verdict:   passed" in pulled.stdout


def test_refusals_exit_1_with_the_servers_reason(server: Server, partner: Partner) -> None:
    bad = synthbus(server, partner, "order", "--mix", "3=0.5,4=0.4", "--size", "2")
    assert bad.returncode == 1
    assert "MIX_SUM_NOT_ONE" in bad.stderr and "field input.mix" in bad.stderr
    usage = synthbus(server, partner, "order", "--mix", "3:0.5", "--size", "2")
    assert usage.returncode == 2
