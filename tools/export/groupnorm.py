"""GroupNorm as LayerNormalization over each group, for onnxruntime-web's WebGPU EP.

diffusers' GroupNorm exports as Reshape [N, G, -1] -> InstanceNormalization (scale 1, bias 0 per group) ->
Reshape back -> Mul gamma -> Add beta. onnxruntime-web 1.30 runs that InstanceNormalization on WebGPU through
ComputeChannelScaleShift, which treats the G = 32 groups as channels (channels-last under its default NHWC layout)
and is slow: 39 % of the tiny IDM's GPU time under SwiftShader, and on a [2, 320, 32, 32] GroupNorm 149 ms where
LayerNormalization over the same rows takes 18 ms (same results to 1e-5). A LayerNormalization over the last axis of
[N, G, L] normalises each (n, g) row exactly as the InstanceNormalization does; its scale, ones of length L, is made
at run time (L depends on the resolution): Shape(start=2, end=3) -> ConstantOfShape(1.0).

Only InstanceNormalization nodes whose scale is all ones and bias all zeros (the GroupNorm pattern) are rewritten.
On the tiny pack the rewrite keeps the frames within 1 LSB and leaves WASM's speed unchanged within noise; whether
it becomes the exporter's default waits for its measurement on a real GPU (docs/performance.md), so for now it is a
separate step on a finished pack.

    python -m tools.export.groupnorm <pack dir> <out dir> [--id-suffix -ln]   # copies the pack, rewrites UNets + VAE
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .pack import sha256_of

PARTS = ("unet", "motion_unet", "vae_decoder")


def _constant_values(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    """Values of initializers and Constant nodes (the two ways exports carry the ones and zeros)."""
    values = {t.name: numpy_helper.to_array(t) for t in graph.initializer if t.data_location != onnx.TensorProto.EXTERNAL}
    for node in graph.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    values[node.output[0]] = numpy_helper.to_array(a.t)
    return values


def rewrite_group_norms(model: onnx.ModelProto) -> int:
    """Replace each GroupNorm-pattern InstanceNormalization by LayerNormalization(axis=-1) with a run-time scale of
    ones. Returns how many were rewritten. The model must use opset 17 or later (LayerNormalization)."""
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if opset < 17:
        raise ValueError(f"LayerNormalization needs opset 17; this model uses {opset}")
    graph = model.graph
    values = _constant_values(graph)
    nodes: list[onnx.NodeProto] = []
    rewritten = 0
    for node in graph.node:
        if node.op_type != "InstanceNormalization" or len(node.input) < 3:
            nodes.append(node)
            continue
        scale, bias = values.get(node.input[1]), values.get(node.input[2])
        if scale is None or bias is None or not np.all(scale == 1) or not np.all(bias == 0):
            nodes.append(node)
            continue
        epsilon = next((a.f for a in node.attribute if a.name == "epsilon"), 1e-5)
        base = node.name or f"groupnorm_{rewritten}"
        length, ones = f"{base}/ln_length", f"{base}/ln_ones"
        nodes.append(helper.make_node("Shape", [node.input[0]], [length], name=f"{base}/ln_shape", start=2, end=3))
        nodes.append(
            helper.make_node(
                "ConstantOfShape", [length], [ones], name=f"{base}/ln_scale",
                value=numpy_helper.from_array(np.ones(1, dtype=np.float32)),
            )
        )
        nodes.append(
            helper.make_node("LayerNormalization", [node.input[0], ones], [node.output[0]], name=f"{base}/ln", axis=-1, epsilon=epsilon)
        )
        rewritten += 1
    # The ones and zeros the InstanceNormalizations took are unused now: drop their Constant nodes.
    used = {i for n in nodes for i in n.input} | {o.name for o in graph.output}
    nodes = [n for n in nodes if n.op_type != "Constant" or any(o in used for o in n.output)]
    del graph.node[:]
    graph.node.extend(nodes)
    return rewritten


def rewrite_pack(src: Path, dst: Path, id_suffix: str = "-ln") -> dict[str, int]:
    """Copy the pack at src to dst (external-data files hard-linked where possible), rewrite the GroupNorms of its
    UNets and VAE decoder, and update the manifest's sizes and hashes (and its id, so caches keep both apart)."""
    if dst.exists():
        shutil.rmtree(dst)
    for path in sorted(src.rglob("*")):
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)
    counts = {}
    for part in PARTS:
        model_path = dst / part / "model.onnx"
        if not model_path.exists():
            continue
        model = onnx.load(str(model_path), load_external_data=False)
        counts[part] = rewrite_group_norms(model)
        model_path.unlink()  # a hard link: never write through it into the source pack
        onnx.save(model, str(model_path))
    manifest_path = dst / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.unlink()  # a hard link too
    manifest["id"] = f"{manifest['id']}{id_suffix}"
    manifest["name"] = f"{manifest['name']} (GroupNorm as LayerNorm)"
    for entry in manifest["files"]:
        if entry["path"] in {f"{p}/model.onnx" for p in counts}:
            file = dst / entry["path"]
            entry["size"] = file.stat().st_size
            entry["sha256"] = sha256_of(file)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--id-suffix", default="-ln")
    args = ap.parse_args(argv)
    counts = rewrite_pack(args.src, args.dst, args.id_suffix)
    print(json.dumps({"rewritten": counts, "pack": str(args.dst)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
