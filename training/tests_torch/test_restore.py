"""A finished stage's weights come back from disk exactly, in eval mode, for every stage export.py reads."""
import pytest
import torch

from factory import train_dit, train_embedder, train_vae
from factory.common import save
from factory.config import TINY


@pytest.mark.parametrize("stage,name", [(train_vae, "vae"), (train_dit, "dit"), (train_embedder, "embedder")])
def test_load_trained_restores_saved_weights(tmp_path, stage, name):
    torch.manual_seed(7)
    model = stage.build(TINY)
    save(tmp_path / f"{name}.pt", model=model.state_dict(), result={"stage": name})
    restored, result = stage.load_trained(TINY, tmp_path)
    assert type(restored) is type(model)
    assert not restored.training
    assert result == {"stage": name}
    for (k, a), (k2, b) in zip(model.state_dict().items(), restored.state_dict().items()):
        assert k == k2 and torch.equal(a, b), k
