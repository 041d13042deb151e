"""Export the three graphs to ONNX with the tensor names of docs/bundle-format.md."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

OPSET = 17
FP16_MIN_ELEMENTS = 1024  # small tensors (norms, biases) stay fp32: negligible size, safer numerics


def export(model: nn.Module, args: tuple[torch.Tensor, ...], inputs: list[str], output: str, path: Path, fp16_weights: bool) -> None:
    """Exports with a dynamic first (batch) dimension on every input and the output.

    No constant folding: folding would fuse BatchNorm into the convolutions before the fp16 pass
    rounds them, and the PyTorch twin (rounded per parameter) would then compute something else.
    onnxruntime folds at load time, in float32.
    """
    model = model.eval().cpu()
    axes = {name: {0: "batch"} for name in inputs + [output]}
    with torch.no_grad():
        out_shape = model(*args).shape
        torch.onnx.export(model, args, str(path), input_names=inputs, output_names=[output], opset_version=OPSET, dynamic_axes=axes, dynamo=False, do_constant_folding=False)
    graph = onnx.load(str(path))
    # without constant folding the exporter can leave non-batch output dims symbolic; they are fixed
    for dim, size in zip(list(graph.graph.output[0].type.tensor_type.shape.dim)[1:], out_shape[1:]):
        dim.Clear()
        dim.dim_value = int(size)
    if fp16_weights:
        graph = weights_to_fp16(graph)
    onnx.checker.check_model(graph)
    onnx.save(graph, str(path))


def weights_to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    """Stores large float32 initializers as float16, with a Cast back to float32 at load.

    Inputs, outputs and all arithmetic stay float32: only storage is halved.
    """
    g = model.graph
    casts = []
    for init in g.initializer:
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims)) < FP16_MIN_ELEMENTS:
            continue
        name = init.name
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), name + "__fp16")
        init.CopyFrom(half)
        casts.append(helper.make_node("Cast", [name + "__fp16"], [name], to=TensorProto.FLOAT, name=name + "__cast"))
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    return model


@torch.no_grad()
def round_weights_fp16(model: nn.Module) -> nn.Module:
    """Rounds the parameters weights_to_fp16 will store as float16, so the PyTorch twin computes
    what the exported graph computes (parity vectors and evaluation use the twin)."""
    for p in model.parameters():
        if p.numel() >= FP16_MIN_ELEMENTS:
            p.copy_(p.half().float())
    return model


def io_spec(path: Path) -> tuple[list[dict], list[dict]]:
    """The manifest's graphs.*.inputs/outputs, read back from the saved graph."""
    m = onnx.load(str(path), load_external_data=False)
    names = {TensorProto.FLOAT: "float32", TensorProto.FLOAT16: "float16", TensorProto.INT64: "int64"}

    def spec(v) -> dict:
        dims = [d.dim_value if d.HasField("dim_value") else -1 for d in v.type.tensor_type.shape.dim]
        return {"name": v.name, "dtype": names[v.type.tensor_type.elem_type], "shape": dims}

    inits = {i.name for i in m.graph.initializer}
    return [spec(v) for v in m.graph.input if v.name not in inits], [spec(v) for v in m.graph.output]
