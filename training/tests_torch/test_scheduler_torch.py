"""Training noises latents with the same scheduler as sampling: on torch tensors it matches numpy."""
import numpy as np
import torch

from factory.config import REAL
from factory.schedule import DDIMScheduler


def test_forward_noising_on_tensors_matches_numpy():
    s = DDIMScheduler.from_config(REAL.dit)
    rng = np.random.default_rng(0)
    x0, noise = rng.standard_normal((3, 4, 2, 2)).astype(np.float32), rng.standard_normal((3, 4, 2, 2)).astype(np.float32)
    t = np.array([0, 500, 999])
    for fn in (s.add_noise, s.training_target):
        got = fn(torch.from_numpy(x0), torch.from_numpy(noise), torch.from_numpy(t))
        assert got.dtype == torch.float32
        np.testing.assert_allclose(got.numpy(), fn(x0, noise, t), rtol=1e-5, atol=1e-6)
