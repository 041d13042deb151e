"""Progress survives a lost machine: a run stopped mid-DiT packs its finished VAE and the DiT's last
checkpoint; a fresh run folder unpacks them and finishes from the checkpoint's step."""
import dataclasses
import io
import shutil

import torch

from factory import resume, run, train_vae
from factory.common import load


def test_a_run_stopped_mid_dit_continues_on_a_fresh_machine(micro_run, tmp_path, capsys):
    cfg, pack, trained = micro_run
    lost = tmp_path / "lost"
    lost.mkdir()
    # the lost machine: VAE finished, the DiT checkpointed at step 3 of 5, nothing after
    shutil.copy(trained / "vae.pt", lost / "vae.pt")
    shutil.copy(trained / "dit.ckpt", lost / "dit.ckpt")
    assert load(lost / "dit.ckpt")["step"] == 3

    packed = resume.pack(lost, tmp_path / "out")
    assert packed == ["vae.pt", "dit.ckpt"]
    assert sorted(load(lost / "dit.ckpt")) == ["dit", "elapsed", "ema", "opt", "step"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["resume.tar.part00", "resume.tar.sha256"]

    fresh = tmp_path / "fresh"
    assert resume.unpack(tmp_path / "out", fresh) == ["vae.pt", "dit.ckpt"]
    assert sorted(load(fresh / "dit.ckpt")) == ["dit", "elapsed", "step"]  # optimizer and EMA left out
    longer = dataclasses.replace(cfg, dit=dataclasses.replace(cfg.dit, steps=5))
    capsys.readouterr()
    assert run.train_all(longer, pack, fresh, run.Deadline(None))
    out = capsys.readouterr().out
    assert "dit: resumed at step 3" in out and "vae: step" not in out
    assert "no opt state in the checkpoint, starting it fresh" in out and "no ema state in the checkpoint, starting it from dit" in out
    assert load(fresh / "dit.pt")["result"]["steps"] == 5
    # the VAE came back at float16 precision, the precision its decoder ships in
    vae, _ = train_vae.load_trained(cfg, trained)
    back, _ = train_vae.load_trained(cfg, fresh)
    for (k, a), b in zip(vae.state_dict().items(), back.state_dict().values()):
        assert b.dtype == a.dtype and torch.equal(b, a.half().float() if a.numel() >= 1024 else a), k


def test_what_does_not_fit_the_carry_is_left_out(micro_run, tmp_path):
    _, _, trained = micro_run
    vae = io.BytesIO()
    torch.save(resume.compact(load(trained / "vae.pt")), vae)
    # room for the compact VAE and its tar header: the DiT and the embedder (finished too) do not fit
    assert resume.pack(trained, tmp_path / "out", budget=vae.tell() + 2048) == ["vae.pt"]
