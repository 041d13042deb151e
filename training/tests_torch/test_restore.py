"""A finished stage (finish_stage) comes back from disk exactly, in eval mode, for every stage export.py reads."""
import pytest
import torch

from factory import train_dit, train_embedder, train_vae
from factory.common import finish_stage
from factory.config import TINY


@pytest.mark.parametrize("stage,name", [(train_vae, "vae"), (train_dit, "dit"), (train_embedder, "embedder")])
def test_load_trained_restores_a_finished_stage(tmp_path, stage, name):
    torch.manual_seed(7)
    model = stage.build(TINY)
    written = finish_stage(tmp_path, name, model, steps=12, seconds=3.5, scale_factor=0.25)
    restored, result = stage.load_trained(TINY, tmp_path)
    assert type(restored) is type(model)
    assert not restored.training
    assert result == written == {"seconds": 3.5, "steps": 12, "params": sum(p.numel() for p in model.parameters()), "scale_factor": 0.25}
    for (k, a), (k2, b) in zip(model.state_dict().items(), restored.state_dict().items()):
        assert k == k2 and torch.equal(a, b), k
