"""A float16 copy of the shipped classifier for GPUs, derived from the int8 model on first use.

The package ships one model, int8 with dynamic quantisation, because that is what runs fastest on a CPU
and fits the size budget. On a GPU the int8 graph is a poor fit: ``DynamicQuantizeLinear`` has no CUDA
kernel, so every layer would bounce between devices. Tensor cores want float16 instead. So on a GPU host
the int8 weights are dequantised (exactly: ``(q - zero_point) * scale``), the quantise/integer-matmul/
rescale chains become plain ``MatMul`` nodes, onnxruntime's transformer optimiser fuses attention and
layer norms, and the graph is cast to float16 with float32 inputs and outputs kept. The result (~45 MB)
is cached per user, keyed by the int8 model's digest, so a later run loads it directly.

Needs the ``onnx`` and ``sympy`` packages, which the ``gpu`` extra installs; without them the int8
model runs as is.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policy_engine.fileio import sha256_file, write_atomic
from policy_engine.resources import cache_dir

if TYPE_CHECKING:
    import onnx

# Bump when the derivation changes, so that cached copies made by an older one are not reused.
DERIVATION_VERSION = 1
NUM_HEADS = 12  # MiniLM-L6: hidden 384 = 12 heads of 32
HIDDEN_SIZE = 384

log = logging.getLogger(__name__)


def fp16_available() -> bool:
    """Whether this environment can derive the float16 model: ``onnx`` to edit the graph, ``sympy`` for
    the shape inference onnxruntime's attention fusion runs (both come with the ``gpu`` extra)."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("onnx", "sympy"))


def cached_fp16_path(int8_model: Path) -> Path:
    digest = sha256_file(int8_model)[:16]
    return cache_dir() / "classifier" / f"{digest}-fp16-v{DERIVATION_VERSION}.onnx"


def ensure_fp16_model(int8_model: Path) -> Path | bytes:
    """The float16 model for ``int8_model``: the cached file, derived and cached first if need be.

    Where the cache cannot be written (a read-only home in a container), the derived model is returned
    as bytes, so the GPU still runs float16; it is then derived again by the next process.
    """
    target = cached_fp16_path(int8_model)
    if target.is_file():
        return target
    log.info("deriving a float16 copy of %s for the GPU (once; cached at %s)", int8_model, target)
    serialized = float16_model(dequantized_model(int8_model)).SerializeToString()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, serialized)
    except OSError as exc:
        log.warning("cannot cache the float16 model at %s (%s); it is kept in memory", target, exc)
        return serialized
    return target


def dequantized_model(int8_model: Path) -> onnx.ModelProto:
    """The int8 model with every quantised weight restored to float32 and plain float ops in place."""
    import onnx

    model = onnx.load(str(int8_model))
    graph = model.graph
    inits = {init.name: init for init in graph.initializer}
    producer = _producers(graph)
    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    replacements: dict[int, Any] = {}  # id(node) -> new node taking its place
    new_inits: list[Any] = []
    for node in graph.node:
        if node.op_type == "MatMulInteger":
            replaced = _matmul_from_integer(node, inits, producer, consumers, new_inits)
            if replaced is not None:
                old, new = replaced
                replacements[id(old)] = new
        elif node.op_type == "DequantizeLinear":
            replaced = _gather_from_dequantize(node, inits, producer, new_inits)
            if replaced is not None:
                old, new = replaced
                replacements[id(old)] = new

    nodes = [replacements.get(id(node), node) for node in graph.node]
    del graph.node[:]
    graph.node.extend(_live_nodes(nodes, [out.name for out in graph.output]))
    graph.initializer.extend(new_inits)
    used = {name for node in graph.node for name in node.input}
    kept = [init for init in graph.initializer if init.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    left = sorted({n.op_type for n in graph.node} & {"MatMulInteger", "DynamicQuantizeLinear", "DequantizeLinear"})
    if left:
        raise ValueError(f"{int8_model}: quantised ops left after dequantisation: {', '.join(left)}")
    onnx.checker.check_model(model)
    return model


def _dequantize(q: Any, scale: Any, zero_point: Any, axis: int | None) -> Any:
    import numpy as np

    q = q.astype(np.float32)
    scale = scale.astype(np.float32)
    zero_point = zero_point.astype(np.float32)
    if scale.ndim == 1 and axis is not None:
        shape = [1] * q.ndim
        shape[axis] = -1
        scale, zero_point = scale.reshape(shape), zero_point.reshape(shape)
    return (q - zero_point) * scale


def _matmul_from_integer(node: Any, inits: dict, producer: dict, consumers: dict, new_inits: list) -> Any:
    """DynamicQuantizeLinear(x) -> MatMulInteger(·, Wq) -> Cast -> Mul(·, sx * sw)  ==>  MatMul(x, W)."""
    from onnx import helper, numpy_helper

    a_name, w_name = node.input[0], node.input[1]
    quantize = producer.get(a_name)
    if quantize is None or quantize.op_type != "DynamicQuantizeLinear" or w_name not in inits:
        return None
    cast = _only_consumer(node.output[0], consumers, "Cast")
    rescale = _only_consumer(cast.output[0], consumers, "Mul") if cast is not None else None
    if rescale is None:
        return None
    scales = producer.get(next(i for i in rescale.input if i != cast.output[0]))
    if scales is None or scales.op_type != "Mul":
        return None
    w_scale_name = next((i for i in scales.input if i in inits), None)
    if w_scale_name is None:
        return None
    wq = numpy_helper.to_array(inits[w_name])
    zp = numpy_helper.to_array(inits[node.input[3]]) if len(node.input) > 3 and node.input[3] else wq.dtype.type(0)
    import numpy as np

    w = _dequantize(wq, numpy_helper.to_array(inits[w_scale_name]), np.asarray(zp), axis=wq.ndim - 1)
    w_float = f"{w_name}_dequantized"
    new_inits.append(numpy_helper.from_array(w, w_float))
    matmul = helper.make_node("MatMul", [quantize.input[0], w_float], [rescale.output[0]], name=f"{node.name}_fp")
    return rescale, matmul


def _gather_from_dequantize(node: Any, inits: dict, producer: dict, new_inits: list) -> Any:
    """Gather(Tq, ids) -> DequantizeLinear  ==>  Gather(T, ids), for quantised embedding tables."""
    from onnx import helper, numpy_helper

    gather = producer.get(node.input[0])
    if gather is None or gather.op_type != "Gather" or gather.input[0] not in inits:
        return None
    axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
    table_q = numpy_helper.to_array(inits[gather.input[0]])
    scale = numpy_helper.to_array(inits[node.input[1]])
    zero_point = numpy_helper.to_array(inits[node.input[2]]) if len(node.input) > 2 else scale * 0
    table = _dequantize(table_q, scale, zero_point, axis=axis if scale.ndim == 1 else None)
    name = f"{gather.input[0]}_dequantized"
    new_inits.append(numpy_helper.from_array(table, name))
    attrs = {a.name: helper.get_attribute_value(a) for a in gather.attribute}
    return node, helper.make_node("Gather", [name, gather.input[1]], [node.output[0]], name=f"{gather.name}_fp", **attrs)


def _producers(graph: Any) -> dict[str, Any]:
    """Tensor name -> the node that outputs it."""
    return {out: node for node in graph.node for out in node.output}


def _only_consumer(name: str, consumers: dict, op_type: str) -> Any:
    users = consumers.get(name, [])
    return users[0] if len(users) == 1 and users[0].op_type == op_type else None


def _live_nodes(nodes: list, outputs: list[str]) -> list:
    """Nodes that contribute to the graph outputs, in their original (topological) order."""
    needed = set(outputs)
    live = []
    for node in reversed(nodes):
        if any(out in needed for out in node.output):
            live.append(node)
            needed.update(node.input)
    return live[::-1]


def float16_model(model: onnx.ModelProto) -> onnx.ModelProto:
    """Attention, layer norms and GELU fused for onnxruntime's GPU kernels; weights and activations float16."""
    from onnxruntime.transformers.onnx_model import OnnxModel

    fused = OnnxModel(fused_model(model))
    # Inputs (token ids, mask) and outputs (logits) keep their types: callers see no difference.
    fused.convert_float_to_float16(keep_io_types=True)
    return fused.model


def fused_model(model: onnx.ModelProto) -> onnx.ModelProto:
    """onnxruntime's BERT fusions on a float32 model, after rewriting the two patterns they don't know.

    The exporter computes reshape targets from ``Shape`` at run time and casts the attention mask before
    unsqueezing it; the fusion matcher expects constant targets and the opposite order. Both rewrites
    leave the model's function unchanged (tests compare outputs before and after).
    """
    from onnxruntime.transformers.onnx_model import OnnxModel
    from onnxruntime.transformers.optimizer import optimize_by_fusion

    _constant_reshape_targets(model)
    _unsqueeze_mask_before_cast(model)
    canonical = OnnxModel(model)
    canonical.topological_sort()
    canonical.prune_graph()
    # The producer name ("onnx.quantize") only makes the optimiser warn that it expected "pytorch".
    logging.getLogger("onnxruntime.transformers.optimizer").setLevel(logging.ERROR)
    optimized = optimize_by_fusion(canonical.model, model_type="bert", num_heads=NUM_HEADS, hidden_size=HIDDEN_SIZE)
    return optimized.model


def _constants(model: onnx.ModelProto) -> dict[str, Any]:
    from onnx import numpy_helper

    values = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            values[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    return values


def _constant_reshape_targets(model: onnx.ModelProto) -> None:
    """Reshape(x, Concat(dim0 of x, dim1 of x, c...)) -> Reshape(x, [0, 0, c...]); Reshape(x, Shape(y)) -> [0, 0, -1].

    In ONNX Reshape a 0 copies the input's dimension at that position, so batch and sequence stay
    dynamic; only the leading two positions are rewritten, and only when they copy those same positions.
    """
    import numpy as np
    from onnx import numpy_helper

    graph = model.graph
    producer = _producers(graph)
    constants = _constants(model)

    def copied_dim(name: str) -> int | None:  # Unsqueeze(Gather(Shape(t), k)) -> k
        unsqueeze = producer.get(name)
        gather = producer.get(unsqueeze.input[0]) if unsqueeze is not None and unsqueeze.op_type == "Unsqueeze" else None
        if gather is None or gather.op_type != "Gather":
            return None
        shape = producer.get(gather.input[0])
        index = constants.get(gather.input[1])
        return int(index) if shape is not None and shape.op_type == "Shape" and index is not None else None

    for node in graph.node:
        if node.op_type != "Reshape":
            continue
        source = producer.get(node.input[1])
        target: list[int] | None = None
        if source is not None and source.op_type == "Concat":
            target = []
            for position, part in enumerate(source.input):
                if position < 2 and copied_dim(part) == position:
                    target.append(0)
                elif part in constants:
                    target.extend(int(v) for v in np.ravel(constants[part]))
                else:
                    target = None
                    break
        elif source is not None and source.op_type == "Shape":
            target = [0, 0, -1]  # back to [batch, sequence, hidden] after the heads are merged
        if target:
            name = f"{node.name}_target"
            graph.initializer.append(numpy_helper.from_array(np.array(target, dtype=np.int64), name))
            node.input[1] = name


def _unsqueeze_mask_before_cast(model: onnx.ModelProto) -> None:
    """mask -> Cast -> Sub(1, .) -> Mul(., -big) -> Unsqueeze -> Unsqueeze  ==>  the two Unsqueezes first."""
    from onnx import helper

    graph = model.graph
    producer = _producers(graph)
    inputs = {i.name for i in graph.input}
    for node in graph.node:
        if node.op_type != "Unsqueeze":
            continue
        chain, name = [], node.output[0]
        for op in ("Unsqueeze", "Unsqueeze", "Mul", "Sub", "Cast"):
            step = producer.get(name)
            if step is None or step.op_type != op:
                break
            chain.append(step)
            name = step.input[1] if op == "Sub" else step.input[0]
        else:
            if name not in inputs:
                continue
            outer, inner, mul, sub, cast = chain
            to = next(a.i for a in cast.attribute if a.name == "to")
            prefix = "mask_canonical"
            rewritten = [
                helper.make_node("Unsqueeze", [name, inner.input[1]], [f"{prefix}_u1"], name=f"{prefix}_u1"),
                helper.make_node("Unsqueeze", [f"{prefix}_u1", outer.input[1]], [f"{prefix}_u2"], name=f"{prefix}_u2"),
                helper.make_node("Cast", [f"{prefix}_u2"], [f"{prefix}_f"], name=f"{prefix}_cast", to=to),
                helper.make_node("Sub", [sub.input[0], f"{prefix}_f"], [f"{prefix}_sub"], name=f"{prefix}_sub"),
                helper.make_node("Mul", [f"{prefix}_sub", mul.input[1]], [outer.output[0]], name=f"{prefix}_mul"),
            ]
            at = list(graph.node).index(outer)
            graph.node.remove(outer)
            for offset, new in enumerate(rewritten):
                graph.node.insert(at + offset, new)
            return
