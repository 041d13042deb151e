"""The DiT's EMA follows the warm-up decay: the first update keeps only 10% of the initial weights."""
import torch

from factory.common import Ema


def test_ema_update_uses_the_warm_up_decay():
    model = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    ema = Ema(model, 0.9995)
    torch.nn.init.ones_(model.weight)
    ema.update(model, 0)  # decay 0.1
    assert ema.model.weight.item() == torch.tensor(0.9).item()
    ema.update(model, 1)  # decay 2/11: 0.9 + (1 - 0.9) * 9/11
    torch.testing.assert_close(ema.model.weight, torch.tensor([[0.9 + 0.1 * 9 / 11]]))
