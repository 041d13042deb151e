"""Shared fixtures of the torch checks: one thread (the development machine's cores are shared), the
pack, and one micro training run (3 steps per stage of the tiny configuration) reused by the
export checks."""
import dataclasses

import pytest
import torch

from factory import run
from factory.config import TINY
from factory.pack import load_pack

torch.set_num_threads(1)

MICRO = dataclasses.replace(
    TINY,
    vae=dataclasses.replace(TINY.vae, steps=3),
    dit=dataclasses.replace(TINY.dit, steps=3),
    embedder=dataclasses.replace(TINY.embedder, steps=3),
    eval_samples=16,
    eval_classifier_steps=2,
)


@pytest.fixture(scope="session")
def pack_path():
    path = run.ROOT / "training/.cache/busbra-256.tar"
    if not path.exists():
        pytest.fail(f"{path} is missing: run python3 -m factory.pack first")
    return path


@pytest.fixture(scope="session")
def micro_run(pack_path, tmp_path_factory):
    """(config, pack, run dir) of a finished micro training run."""
    pack = load_pack(pack_path, MICRO.image_size)
    run_dir = tmp_path_factory.mktemp("micro") / "run"
    assert run.train_all(MICRO, pack, run_dir, run.Deadline(None))
    return MICRO, pack, run_dir
