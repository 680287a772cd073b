"""Save a graph with its initializers in external-data files of bounded size.

One external-data file per part was the exporter's layout, and the fp32 export of AnimateDiff's video UNet made
it a single 5.25 GB file, which onnxruntime-web cannot take (a typed array and its 32-bit WebAssembly memory stop
at 4 GiB: docs/performance.md, GPU) and which a browser must download and cache in one piece. So initializers are
packed, in graph order, into model.onnx_data, model.onnx_data.1, ... of at most CHUNK_BYTES each (a tensor larger
than that gets a file of its own). The manifest lists every file (pack.write_manifest takes the names returned
here), and the engine hands them all to onnxruntime as `externalData`.
"""
from __future__ import annotations

from pathlib import Path

CHUNK_BYTES = 1 << 30
DATA_NAME = "model.onnx_data"
# Tensors smaller than this stay inside model.onnx (onnx's own default threshold).
SIZE_THRESHOLD = 1024


def data_file_name(index: int) -> str:
    return DATA_NAME if index == 0 else f"{DATA_NAME}.{index}"


def save_with_external_data(model, target: Path, chunk_bytes: int = CHUNK_BYTES) -> list[str]:
    """Write target (model.onnx) and its external-data files beside it; return the file names, model.onnx first.
    Stale data files of an earlier save are removed first (onnx appends to existing ones)."""
    import onnx
    from onnx.external_data_helper import _get_all_tensors, set_external_data

    for stale in [target, *target.parent.glob(f"{DATA_NAME}*")]:
        stale.unlink(missing_ok=True)
    names: list[str] = []
    index, used = 0, 0
    for tensor in _get_all_tensors(model):
        if not tensor.HasField("raw_data") or len(tensor.raw_data) < SIZE_THRESHOLD:
            continue
        size = len(tensor.raw_data)
        if used and used + size > chunk_bytes:
            index, used = index + 1, 0
        name = data_file_name(index)
        set_external_data(tensor, name)
        if not names or names[-1] != name:
            names.append(name)
        used += size
    # save_model writes every tensor marked external that still holds its bytes, appending to its location.
    onnx.save_model(model, str(target))
    # Recent onnx creates external-data files owner-only (0600, seen on the GPU machine); a pack is served to
    # browsers by whatever web server the user runs, so the data files get the model file's permissions.
    for name in names:
        (target.parent / name).chmod(target.stat().st_mode & 0o777)
    return ["model.onnx", *names]
