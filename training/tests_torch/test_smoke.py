"""The real configuration end to end on the CPU, as the GPU run does it: gpu/run.sh --smoke (the real
shapes 256x256 -> 32x32x4, the real networks, a few steps per stage under bf16 autocast, export at
256, evaluation of a few samples, manifest, onnxruntime parity), then gpu/join.py and verify_bundle.
Catches here what would otherwise break on the GPU after minutes of training. A few minutes on 1 core.
"""
import json
import os
import subprocess
import sys

from factory import run
from factory.config import REAL, smoke
from factory.verify_bundle import verify


def test_real_configuration_smoke_run_joins_and_verifies(pack_path, tmp_path):
    env = {**os.environ, "RUN": str(tmp_path / "run"), "OUT": str(tmp_path / "out"), "WAIT_S": "590", "POLL_S": "1", "ATTEMPTS": "1"}
    done = subprocess.run(["bash", "training/gpu/run.sh", "--smoke"], cwd=run.ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    for name in ("vae", "encode latents", "dit", "embedder", "export", "evaluate", "verify"):
        assert f"] STAGE {name} " in done.stdout, name
    log = (tmp_path / "run/log.txt").read_text()
    assert "bf16 autocast" in log  # the GPU's precision path ran

    joined = subprocess.run([sys.executable, "training/gpu/join.py", str(tmp_path / "out"), str(tmp_path / "models")], cwd=run.ROOT, capture_output=True, text=True)
    assert joined.returncode == 0, joined.stderr
    cfg = smoke(REAL)
    bundle = tmp_path / "models" / cfg.model_id
    man = json.loads((bundle / "manifest.json").read_text())
    assert man["image"] == {"height": 256, "width": 256, "channels": 1}
    assert (man["latent"]["channels"], man["latent"]["height"]) == (4, 32)
    assert man["provenance"]["fixture"] is True and man["privacy"]["threshold"] > 0
    assert man["provenance"]["trainingConfig"]["dit"]["arch"] == {"patch": 2, "hidden": 384, "depth": 7, "heads": 6}
    assert max(verify(bundle).values()) < 1e-3
