"""The bundle's ONNX graphs as PyTorch modules with the very same weights (onnx2torch).

Two rewrites first, neither changing a value: a Cast of a stored tensor (the bundle keeps large
weights as float16 plus a Cast to float32; constants cast to another type) becomes the cast tensor,
Constant nodes become initializers, and trailing empty optional inputs are dropped: the forms
onnx2torch converts.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper


def prepare(model: onnx.ModelProto) -> onnx.ModelProto:
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    keep = []
    for node in g.node:
        if node.op_type == "Cast" and node.input[0] in inits:
            to = onnx.helper.tensor_dtype_to_np_dtype(next(a.i for a in node.attribute if a.name == "to"))
            inits[node.output[0]] = numpy_helper.from_array(numpy_helper.to_array(inits[node.input[0]]).astype(to), node.output[0])
        elif node.op_type == "Constant" and len(node.attribute) == 1 and node.attribute[0].name == "value":
            inits[node.output[0]] = numpy_helper.from_array(numpy_helper.to_array(node.attribute[0].t), node.output[0])
        else:
            while node.input and node.input[-1] == "":
                node.input.pop()
            keep.append(node)
    used = {i for n in keep for i in n.input} | {o.name for o in g.output}
    del g.node[:]
    g.node.extend(keep)
    del g.initializer[:]
    g.initializer.extend(v for k, v in inits.items() if k in used)
    return model


def _without_torchvision() -> None:
    """onnx2torch imports torchvision at import time for two detection ops (NMS, RoIAlign) that our
    graphs never use; the GPU image has no torchvision. Empty stand-ins let the import succeed; a
    graph that did use those ops would fail at conversion, naming the missing attribute."""
    try:
        import torchvision  # noqa: F401
    except ImportError:
        import types

        tv = types.ModuleType("torchvision")
        tv.ops = types.ModuleType("torchvision.ops")  # type: ignore[attr-defined]
        tv.ops.roi_align = None  # type: ignore[attr-defined]
        sys.modules.update({"torchvision": tv, "torchvision.ops": tv.ops})  # type: ignore[attr-defined]


def load(path: Path) -> torch.nn.Module:
    _without_torchvision()
    from onnx2torch import convert  # carried as a wheel to the device machine

    return convert(prepare(onnx.load(str(path)))).eval()


def check(bundle: Path, dev: torch.device) -> dict[str, float]:
    """Max |PyTorch - onnxruntime (CPU)| per graph on random inputs: proves the weights are the same."""
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    m = __import__("json").loads((bundle / "manifest.json").read_text())
    L, I = m["latent"], m["image"]
    feeds = {
        "denoiser": {"latent": rng.standard_normal((2, L["channels"], L["height"], L["width"])).astype(np.float32), "timestep": np.array([999, 250], np.float32), "label": np.array([0, m["nullLabel"]], np.int64)},
        "decoder": {"latent": rng.standard_normal((2, L["channels"], L["height"], L["width"])).astype(np.float32)},
        "embedder": {"image": np.clip(rng.standard_normal((2, 1, I["height"], I["width"])) * 0.5, -1, 1).astype(np.float32)},
    }
    out = {}
    for name, f in feeds.items():
        path = bundle / m["graphs"][name]["file"]
        with torch.no_grad():
            got = load(path).to(dev)(*[torch.from_numpy(v).to(dev) for v in f.values()]).float().cpu().numpy()
        want = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, f)[0]
        out[name] = float(np.abs(got - want).max())
    return out
