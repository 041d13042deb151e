"""The modules CI imports must not need torch (the CI image has none)."""
import subprocess
import sys
from pathlib import Path

TORCH_FREE = ["data", "preprocess", "pack", "schedule", "privacy", "arrays", "manifest", "metrics", "model_card", "provenance", "staging", "recipe", "config"]


def test_ci_modules_do_not_import_torch():
    code = f"import sys; import {', '.join('factory.' + m for m in TORCH_FREE)}; sys.exit('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr or "a CI module imported torch"
