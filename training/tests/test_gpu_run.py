"""gpu/run.sh against a fake pipeline (no torch): it starts the pipeline again after a crash or a
stale pid, gives up after ATTEMPTS starts, and returns the bundle when the pipeline completes."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

RUN_SH = Path(__file__).resolve().parents[1] / "gpu/run.sh"

# Stands in for factory.run: crashes (after writing half a bundle, as export would) until the
# attempt given by FAKE_SUCCEEDS_AT, then writes a bundle and prints the completion line.
FAKE_RUN = '''
import os, sys
from pathlib import Path
run_dir = Path(sys.argv[sys.argv.index("--run-dir") + 1])
bundle = Path(sys.argv[sys.argv.index("--bundle") + 1])
calls = run_dir / "fake-calls"
n = int(calls.read_text()) + 1 if calls.exists() else 1
calls.write_text(str(n))
bundle.mkdir(exist_ok=True)
(run_dir / "vae.pt").write_bytes(b"a finished stage")
if n < int(os.environ["FAKE_SUCCEEDS_AT"]):
    (bundle / "denoiser.onnx").write_bytes(b"half")
    sys.exit("RuntimeError: Expected all tensors to be on the same device")
print("[00:00:01] STAGE vae 130 s")
print("\\n".join(f"[00:00:02] dit: step {i}" for i in range(60)))  # more than the log tail shows
(bundle / "manifest.json").write_text("{}")
print("STATUS complete")
'''


# Stands in for factory.resume (which needs torch): records how run.sh called it.
FAKE_RESUME = '''
import sys
from pathlib import Path
with open(Path(__file__).resolve().parents[2] / "resume-calls", "a") as f:
    f.write(" ".join(sys.argv[1:]) + "\\n")
'''


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "training/gpu").mkdir(parents=True)
    shutil.copy(RUN_SH, tmp_path / "training/gpu/run.sh")
    (tmp_path / "training/factory").mkdir()
    (tmp_path / "training/factory/__init__.py").write_text("")
    (tmp_path / "training/factory/run.py").write_text(FAKE_RUN)
    (tmp_path / "training/factory/resume.py").write_text(FAKE_RESUME)
    (tmp_path / "training/.cache").mkdir()
    (tmp_path / "training/.cache/busbra-256.tar").write_bytes(b"")
    return tmp_path


def call(repo: Path, succeeds_at: int, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FAKE_SUCCEEDS_AT": str(succeeds_at), "WAIT_S": "20", "POLL_S": "0.1", "OUT": str(repo / "out")}
    return subprocess.run(["bash", "training/gpu/run.sh", "--tiny", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=60)


def test_starts_again_after_a_crash_and_returns_the_bundle(repo):
    done = call(repo, succeeds_at=2)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(attempt 2)" in done.stdout and "same device" in (repo / "out/log.txt").read_text()
    assert sorted(p.name for p in (repo / "out").iterdir()) == ["bundle.tar.part00", "bundle.tar.sha256", "log.txt"]


def test_lists_every_stage_time_however_long_the_log(repo):
    done = call(repo, succeeds_at=1)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "dit: step 0\n" not in done.stdout  # beyond the tail
    assert "stage times so far" in done.stdout and "] STAGE vae 130 s" in done.stdout


def test_a_stale_pid_does_not_block_a_new_start(repo):
    run = repo / "training/runs/gpu-tiny"
    run.mkdir(parents=True)
    dead = subprocess.run(["bash", "-c", "echo $$"], capture_output=True, text=True).stdout.strip()
    (run / "pid").write_text(dead)
    done = call(repo, succeeds_at=1)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(attempt 1)" in done.stdout


def test_gives_up_after_the_allowed_attempts(repo):
    done = call(repo, succeeds_at=99)
    assert done.returncode == 1 and "FAILED" in done.stdout
    assert (repo / "training/runs/gpu-tiny/fake-calls").read_text() == "3"


def test_returns_progress_when_incomplete_and_unpacks_it_on_request(repo):
    done = call(repo, succeeds_at=99)
    assert done.returncode == 1
    run = "training/runs/gpu-tiny"
    assert (repo / "resume-calls").read_text().splitlines() == [f"pack {run} {repo / 'out'}"]
    # a fresh machine: the progress alone first (no pack carried), then the usual call
    shutil.rmtree(repo / "training/.cache")
    done = call(repo, 99, "--unpack")
    assert done.returncode == 0 and "UNPACKED" in done.stdout
    assert (repo / "resume-calls").read_text().splitlines()[1:] == [f"unpack training/runs/resume {run}"]


def test_retry_starts_again_after_the_attempts_are_spent(repo):
    assert call(repo, succeeds_at=4).returncode == 1  # three crashes
    assert call(repo, 4).returncode == 1  # the same call does not start a fourth
    done = call(repo, 4, "--retry")
    assert done.returncode == 0 and "(attempt 1)" in done.stdout
    assert (repo / "training/runs/gpu-tiny/fake-calls").read_text() == "4"
