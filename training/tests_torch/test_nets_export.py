"""Torch-dependent checks (not run in CI, which has no torch): cd training && python3 -m pytest -q tests_torch

Networks' shapes and invariants, the fp16 storage pass, and a micro end-to-end run whose bundle
passes factory.verify_bundle (onnxruntime against the PyTorch twins).
"""
import numpy as np
import onnxruntime as ort
import torch

from factory import onnx_export, run, train_dit
from factory.augment import copy_augment
from factory.config import DIT_MODELS, REAL, DitArch
from factory.nets.dit import DiT
from factory.nets.embedder import Embedder, nt_xent
from factory.nets.vae import VAE
from factory.verify_bundle import verify


def test_vae_downsamples_by_eight():
    vae = VAE((8, 8, 16, 16), 4)
    recon, mean, _ = vae(torch.zeros(2, 1, 64, 64))
    assert mean.shape == (2, 4, 8, 8) and recon.shape == (2, 1, 64, 64)


def test_dit_starts_at_zero_and_has_a_null_label():
    dit = DiT(arch=DitArch(patch=2, hidden=32, depth=2, heads=2), latent_size=8, channels=4, num_classes=4, label_dropout=1.0)
    out = dit(torch.randn(3, 4, 8, 8), torch.tensor([0.0, 10.0, 999.0]), torch.tensor([0, 3, 4]))
    assert out.shape == (3, 4, 8, 8) and torch.count_nonzero(out) == 0  # adaLN-Zero
    assert dit.null_label == 4 and torch.all(dit.drop_labels(torch.tensor([0, 1, 2])) == 4)


def test_real_denoiser_is_the_named_size():
    assert REAL.dit.arch == DIT_MODELS["DiT-S/2-d7"]
    with torch.device("meta"):  # shapes only: no memory, no time
        dit = train_dit.build(REAL)
    assert len(dit.blocks) == 7 and dit.x_embed.out_channels == 384 and dit.blocks[0].attn.heads == 6
    assert round(sum(p.numel() for p in dit.parameters()) / 1e6, 2) == 19.18


def test_embedder_outputs_unit_vectors_and_contrastive_loss_prefers_matches():
    emb = Embedder((8, 8, 16, 16), 16).eval()
    z = emb(torch.randn(4, 1, 64, 64))
    torch.testing.assert_close(z.norm(dim=1), torch.ones(4))
    a = torch.nn.functional.normalize(torch.randn(8, 16), dim=1)
    assert nt_xent(a, a, 0.1) < nt_xent(a, a.roll(1, 0), 0.1)


def test_copy_augment_keeps_shape_and_range_and_changes_the_image():
    x = torch.rand(4, 1, 32, 32) * 2 - 1
    y = copy_augment(x, torch.Generator().manual_seed(0))
    assert y.shape == x.shape and y.min() >= -1 and y.max() <= 1
    assert not torch.equal(x, y)


def test_fp16_storage_matches_the_rounded_twin(tmp_path):
    torch.manual_seed(0)
    dit = DiT(arch=DitArch(patch=2, hidden=64, depth=2, heads=2), latent_size=8, channels=4, num_classes=4)
    for p in dit.parameters():  # leave adaLN-Zero so the output depends on every weight
        torch.nn.init.normal_(p, std=0.05)
    args = (torch.randn(2, 4, 8, 8), torch.tensor([5.0, 700.0]), torch.tensor([1, 4]))
    path = tmp_path / "d.onnx"
    onnx_export.export(dit, args, ["latent", "timestep", "label"], "prediction", path, fp16_weights=True)
    onnx_export.round_weights_fp16(dit)
    with torch.no_grad():
        want = dit(*args).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(["prediction"], {"latent": args[0].numpy(), "timestep": args[1].numpy(), "label": args[2].numpy()})[0]
    np.testing.assert_allclose(got, want, atol=1e-4)
    # dynamic batch: another batch size runs
    assert sess.run(["prediction"], {"latent": np.zeros((5, 4, 8, 8), np.float32), "timestep": np.zeros(5, np.float32), "label": np.zeros(5, np.int64)})[0].shape == (5, 4, 8, 8)
    ins, outs = onnx_export.io_spec(path)
    assert [i["name"] for i in ins] == ["latent", "timestep", "label"] and outs[0]["shape"] == [-1, 4, 8, 8]


def test_micro_run_end_to_end_writes_a_bundle_that_verifies(micro_run, tmp_path):
    cfg, pack, run_dir = micro_run
    run.build_bundle(cfg, pack, run_dir, tmp_path / "bundle")
    diffs = verify(tmp_path / "bundle")
    assert max(diffs.values()) < 1e-3
