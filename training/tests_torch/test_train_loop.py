"""train_loop hands each step the stage's progress (for the LR schedule) and checkpoints periodically."""
import torch

from factory import common


def test_progress_by_steps_and_periodic_checkpoints(tmp_path, monkeypatch):
    model = torch.nn.Linear(1, 1)
    seen, saved_steps = [], []
    monkeypatch.setattr(common, "CHECKPOINT_EVERY_S", -1)  # every step
    save = common.save
    monkeypatch.setattr(common, "save", lambda path, **state: (saved_steps.append(state["step"]), save(path, **state))[1])
    steps, _, finished = common.train_loop(tmp_path / "x.ckpt", {"m": model}, 4, lambda step, progress: seen.append((step, progress)) or 0.0, None, "x")
    assert (steps, finished) == (4, True)
    assert seen == [(0, 0.0), (1, 0.25), (2, 0.5), (3, 0.75)]
    assert saved_steps == [1, 2, 3, 4, 4]  # the last periodic one, then the final one


def test_progress_by_time_cap(tmp_path):
    seen = []
    common.train_loop(tmp_path / "x.ckpt", {"m": torch.nn.Linear(1, 1)}, 10**9, lambda step, progress: seen.append(progress) or 0.0, None, "x", max_seconds=0.2)
    assert seen[0] < 0.1 and 0.5 < seen[-1] <= 1.0 and seen == sorted(seen)
