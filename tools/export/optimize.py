"""Graph optimisation of exported UNets for onnxruntime-web, then optional fp16 with normalisation in fp32.

onnxruntime-web's WebGPU EP runs attention built from MatMul/Softmax about 30x slower than its fused
com.microsoft attention kernels (see the team's GPU notes), so the UNets go through onnxruntime's transformer
optimizer (model_type "unet"): self-attention becomes com.microsoft Attention, cross-attention
MultiHeadAttention, plus LayerNorm/SkipLayerNorm/Gelu fusions. Fusions the web EPs cannot run stay off:
- GroupNorm / SkipGroupNorm / NhwcConv / BiasAdd: no WebGPU kernels (GroupNorm stays Reshape +
  InstanceNormalization + Reshape + Mul + Add, which both web EPs run);
- packed QKV / packed KV: the WebGPU MultiHeadAttention answers NOT_IMPLEMENTED for packed inputs;
- BiasSplitGelu: its fp16 shader does not compile in onnxruntime-web 1.30.

The attention fusions stay on although the fused nodes once gave wrong frames on WebGPU (SwiftShader): the
fault is onnxruntime-web 1.30's FlashAttention prefill kernel (queries of >= 32 tokens), whose subgroup path
assumes subgroups of at least 8 lanes, not the graph. Measured on single nodes against WASM: Attention and
MultiHeadAttention alike, relative error 0.4-1.1 for every query of 32+ tokens, with or without bias, any batch,
head size or key length, and also with attention_bias, present outputs or BNSH key/value (key_padding_mask is
not implemented on WebGPU); correct below 32 tokens and whenever the device lacks the `subgroups` feature.
No fused form dodges the kernel, so the fix is in the runtime (src/runtime/webgpu/ort-device.ts gives the EP a
device without subgroups on adapters with subgroups under 8 lanes); --no-fuse remains for other runtimes.

Order matters: fusion runs on the fp32 graph (an fp16 TorchScript export hides the attention scale behind
casts and nothing fuses), and fp16 conversion comes after, keeping the normalisation ops in fp32 (their sums
of squares overflow fp16) with casts around them.
"""
from __future__ import annotations

import collections
import contextlib
import sys
import time
from pathlib import Path

import numpy as np

# Ops left in fp32 by the fp16 conversion: normalisations (variance overflows fp16) and the ops onnxruntime's
# own Stable Diffusion recipe keeps in fp32.
KEEP_FP32_OPS = ["InstanceNormalization", "LayerNormalization", "SkipLayerNormalization", "RandomNormalLike", "Resize"]

DISABLED_FUSIONS = {
    "enable_group_norm": False,
    "enable_skip_group_norm": False,
    "enable_nhwc_conv": False,
    "enable_bias_add": False,
    "enable_packed_qkv": False,
    "enable_packed_kv": False,
    "enable_bias_splitgelu": False,
}

FUSED_OP_TYPES = ("Attention", "MultiHeadAttention", "LayerNormalization", "SkipLayerNormalization", "Gelu", "BiasGelu", "FastGelu", "QuickGelu")


def _patch_num_heads_detection() -> None:
    """FusionAttentionUnet.get_num_heads calls int() on a shape-[1] numpy array, an error from numpy 2.4 on;
    read the value with .item() instead (same logic, same result)."""
    for name in ("fusion_attention_unet", "onnxruntime.transformers.fusion_attention_unet"):
        module = sys.modules.get(name)
        cls = getattr(module, "FusionAttentionUnet", None) if module else None
        if cls is None or getattr(cls, "_ivmix_patched", False):
            continue

        def get_num_heads(self, reshape_q, is_torch2: bool = False) -> int:
            value = None
            if is_torch2:
                parent = self.model.get_parent(reshape_q, 1)
                if parent is not None and parent.op_type == "Concat" and len(parent.input) == 4:
                    value = self.model.get_constant_value(parent.input[2])
            else:
                shape = self.model.get_constant_value(reshape_q.input[1])
                if isinstance(shape, np.ndarray) and shape.size == 4:
                    value = shape.reshape(-1)[2]
            if isinstance(value, np.ndarray) and value.size == 1:
                value = value.reshape(-1)[0]
            if isinstance(value, (np.integer, int)) and int(value) > 0:
                return int(value)
            return 0

        cls.get_num_heads = get_num_heads
        cls._ivmix_patched = True


@contextlib.contextmanager
def _shape_inference_once():
    """The unet fusions ask for symbolic shape inference again (update=True) before each fusion pass; on the
    full-size motion UNet each run takes about 35 s. The shapes of the tensors the fusions look at do not
    change when other subgraphs are fused, so the first result serves them all."""
    from onnxruntime.transformers.onnx_model import OnnxModel

    original = OnnxModel.infer_runtime_shape

    def infer_once(self, dynamic_axis_mapping={}, update=False):  # noqa: B006 (same signature as onnxruntime's)
        if self.shape_infer_helper is not None and getattr(self, "_ivmix_inferred", False):
            return self.shape_infer_helper
        helper = original(self, dynamic_axis_mapping, update)
        self._ivmix_inferred = helper is not None
        return helper

    OnnxModel.infer_runtime_shape = infer_once
    try:
        yield
    finally:
        OnnxModel.infer_runtime_shape = original


def fusion_options():
    from onnxruntime.transformers.fusion_options import FusionOptions

    options = FusionOptions("unet")
    for name, value in DISABLED_FUSIONS.items():
        if hasattr(options, name):
            setattr(options, name, value)
    return options


def op_counts(model) -> dict[str, int]:
    return dict(collections.Counter(n.op_type for n in model.graph.node))


def optimize_unet(part_dir: Path, *, float16: bool, use_gpu: bool = True, fp32_copy: Path | None = None) -> dict:
    """Rewrite part_dir/model.onnx (+ model.onnx_data) in place: fused attention, then fp16 if asked.
    fp32_copy: also save the fused graph before its fp16 conversion there (an fp32 pack for comparisons, without
    a second trace and fusion). Returns the op counts before and after and the files written."""
    import onnx
    from onnxruntime.transformers import optimizer as ort_optimizer

    source = part_dir / "model.onnx"
    before = op_counts(onnx.load(str(source), load_external_data=False))
    _patch_num_heads_detection()  # the optimizer's import above has loaded fusion_attention_unet
    seconds: dict[str, float] = {}
    started = time.time()
    with _shape_inference_once():
        model = ort_optimizer.optimize_model(
            str(source),
            model_type="unet",
            num_heads=0,
            hidden_size=0,
            opt_level=0,
            optimization_options=fusion_options(),
            use_gpu=use_gpu,
        )
    # Phase times, printed as they end: the full-size video UNet's optimisation outlasted a 10-minute GPU call
    # once, and these say where its time goes.
    seconds["fuse"] = _lap(started, "fuse", part_dir)
    if fp32_copy is not None and float16:
        started = time.time()
        try:
            fp32_copy.mkdir(parents=True, exist_ok=True)
            _save(model, fp32_copy)
        finally:
            # onnx.save_model moves external tensors' bytes out of the in-memory graph: bring them back.
            _reload_external_data(model.model, fp32_copy)
        seconds["fp32_copy"] = _lap(started, "fp32 copy", part_dir)
    if float16:
        started = time.time()
        model.convert_float_to_float16(keep_io_types=False, op_block_list=KEEP_FP32_OPS)
        drop_duplicate_nodes(model.model)
        seconds["float16"] = _lap(started, "float16", part_dir)
    after = op_counts(model.model)
    started = time.time()
    files = _save(model, part_dir)
    seconds["save"] = _lap(started, "save", part_dir)
    fused = {k: after.get(k, 0) for k in FUSED_OP_TYPES if after.get(k, 0)}
    return {"before_nodes": sum(before.values()), "after_nodes": sum(after.values()), "fused": fused, "files": files,
            "softmax_left": after.get("Softmax", 0), "seconds": seconds}


def _lap(started: float, phase: str, part_dir: Path) -> float:
    elapsed = round(time.time() - started, 1)
    print(f"{part_dir.name}: {phase} {elapsed} s", flush=True)
    return elapsed


def _save(model, part_dir: Path) -> list[str]:
    """Save an OnnxModel as part_dir/model.onnx; a graph over 2 GB keeps its initializers in external-data files
    of at most 1 GiB beside it (external_data.py says why)."""
    import onnx

    from tools.export.external_data import save_with_external_data

    big = not _byte_size_ok(model.model) or model.model.ByteSize() > 2**31 - 1
    model.topological_sort()
    if not big:
        for stale in [part_dir / "model.onnx", *part_dir.glob("model.onnx_data*")]:
            stale.unlink(missing_ok=True)
        onnx.save_model(model.model, str(part_dir / "model.onnx"))
        return ["model.onnx"]
    return save_with_external_data(model.model, part_dir / "model.onnx")


def _reload_external_data(model, base_dir: Path) -> None:
    from onnx.external_data_helper import load_external_data_for_model, uses_external_data

    if any(uses_external_data(t) for t in model.graph.initializer):
        load_external_data_for_model(model, str(base_dir))


def _byte_size_ok(model) -> bool:
    try:
        model.ByteSize()
        return True
    except Exception:  # protobuf refuses to size a message over 2 GB
        return False


def convert_float16(part_dir: Path, keep_io_types: bool = True) -> list[str]:
    """fp16 weights and arithmetic without attention fusion, same op block list as the UNets. The text
    encoder keeps fp32 inputs and outputs (the engine feeds its output to both UNets)."""
    import onnx
    from onnxruntime.transformers.onnx_model import OnnxModel

    model = OnnxModel(onnx.load(str(part_dir / "model.onnx"), load_external_data=True))
    model.convert_float_to_float16(keep_io_types=keep_io_types, op_block_list=KEEP_FP32_OPS)
    drop_duplicate_nodes(model.model)
    return _save(model, part_dir)


def drop_duplicate_nodes(model) -> int:
    """The fp16 converter inserts one Cast per (tensor, blocked consumer); when one fp16 tensor feeds two
    blocked ops it writes the same Cast twice (same name, same output), which onnxruntime refuses as an
    invalid model. Identical duplicates compute the same value: keep the first. A same-named node that
    differs gets a unique name instead."""
    seen: dict[str, bytes] = {}
    keep = []
    dropped = 0
    for node in model.graph.node:
        body = node.SerializeToString()
        if node.name in seen:
            if seen[node.name] == body:
                dropped += 1
                continue
            node.name = f"{node.name}_{len(keep)}"
        seen[node.name] = body
        keep.append(node)
    if dropped:
        del model.graph.node[:]
        model.graph.node.extend(keep)
    return dropped


def convert_float16_unfused(part_dir: Path) -> list[str]:
    """A UNet in fp16 (fp16 inputs and outputs) with its attention left as MatMul/Softmax (--no-fuse)."""
    return convert_float16(part_dir, keep_io_types=False)
