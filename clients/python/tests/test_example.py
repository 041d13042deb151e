"""examples/train_classifier.py runs end to end against the real server (when torch is installed)."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Partner, Server

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "train_classifier.py"


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed (pip install synthbus[torch])")
def test_the_example_orders_pulls_and_trains_one_epoch(server: Server, partner: Partner, tmp_path: Path) -> None:
    env = {**os.environ, "SYNTHBUS_URL": server.url, "SYNTHBUS_API_KEY": partner.key,
           "SYNTHBUS_EXAMPLE_SIZE": "8", "SYNTHBUS_EXAMPLE_DIR": str(tmp_path / "cohort")}
    run = subprocess.run([sys.executable, str(EXAMPLE)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "verdict:   passed" in run.stdout
    assert "epoch 1: loss" in run.stdout
