"""Each export and evaluation step places the models on its own device before running them.

On CUDA, write_parity once fed CPU tensors to the embedder that privacy_section had left on the
GPU, after all of the training. No CPU-only build has a second device, so the accelerator is
stood in for by `cpu:0`: it compares unequal to `cpu` (the events show which device each step
asked for) yet computes on the CPU, so the whole bundle still builds.
"""
import torch

from factory import evaluate, export, run

ACCELERATOR = torch.device("cpu", 0)
CPU = torch.device("cpu")
STEP_DEVICES = {"export_graphs": CPU, "privacy_section": ACCELERATOR, "write_parity": CPU, "evaluate": ACCELERATOR}


def test_accelerator_stand_in_is_a_different_device():
    assert ACCELERATOR != CPU and torch.zeros(1).to(ACCELERATOR).device.type == "cpu"


def test_each_step_places_the_models_on_its_device_first(micro_run, tmp_path, monkeypatch):
    cfg, pack, run_dir = micro_run
    events: list[tuple[str, object]] = []
    monkeypatch.setattr(export, "device", lambda: ACCELERATOR)
    monkeypatch.setattr(evaluate, "device", lambda: ACCELERATOR)

    place = export.Models.place
    monkeypatch.setattr(export.Models, "place", lambda self, dev: (events.append(("place", dev)), place(self, dev))[1])

    def traced(module, name):
        step = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, **k: (events.append(("step", name)), step(*a, **k))[1])

    for name in ("export_graphs", "privacy_section", "write_parity"):
        traced(export, name)
    traced(evaluate, "evaluate")

    load = export.load_models

    def load_with_hooks(*a):
        m = load(*a)
        for name in ("denoiser", "decoder", "embedder"):
            getattr(m, name).register_forward_pre_hook(lambda _mod, _args, name=name: events.append(("forward", name)))
        return m

    monkeypatch.setattr(export, "load_models", load_with_hooks)
    run.build_bundle(cfg, pack, run_dir, tmp_path / "bundle")

    seen = [e for e in events if e[0] == "step"]
    assert [n for _, n in seen] == list(STEP_DEVICES)
    for i, (kind, name) in enumerate(events):
        if kind == "step":
            first = next(e for e in events[i + 1 :] if e[0] in ("place", "forward"))
            assert first == ("place", STEP_DEVICES[name]), f"{name} ran the models before placing them on {STEP_DEVICES[name]}: {first}"
