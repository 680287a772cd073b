"""Chunked external data (tools/export/external_data.py): files stay under the chunk size, every initializer comes
back with the same bytes, and a second save leaves no stale chunk behind. Needs onnx only (runs here with
/usr/bin/python3 -m pytest where pytest exists, and on the GPU machine)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tools.export.external_data import save_with_external_data


def _model(sizes: list[int]) -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal(n).astype(np.float32), f"w{i}") for i, n in enumerate(sizes)]
    nodes, last = [], "x"
    for i, n in enumerate(sizes):
        nodes.append(helper.make_node("ReduceSum", [f"w{i}"], [f"s{i}"], keepdims=0))
        nodes.append(helper.make_node("Add", [last, f"s{i}"], [f"y{i}"]))
        last = f"y{i}"
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [])],
                              [helper.make_tensor_value_info(last, TensorProto.FLOAT, [])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def test_chunks_stay_under_the_limit_and_round_trip(tmp_path: Path):
    sizes = [1000, 3000, 500, 4000, 10, 2500]  # float32: 4 bytes each; the 10-value one stays inline
    model = _model(sizes)
    original = {t.name: numpy_helper.to_array(t).copy() for t in model.graph.initializer}
    limit = 12_000 * 4 // 3  # 16,000 bytes
    names = save_with_external_data(model, tmp_path / "model.onnx", chunk_bytes=limit)
    assert names[0] == "model.onnx" and names[1] == "model.onnx_data" and len(names) > 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    for name in names[1:]:
        size = (tmp_path / name).stat().st_size
        assert 0 < size <= limit, (name, size)
        assert (tmp_path / name).stat().st_mode & 0o777 == (tmp_path / "model.onnx").stat().st_mode & 0o777
    loaded = onnx.load(str(tmp_path / "model.onnx"), load_external_data=True)
    back = {t.name: numpy_helper.to_array(t) for t in loaded.graph.initializer}
    assert back.keys() == original.keys()
    for name, values in original.items():
        np.testing.assert_array_equal(back[name], values)
    # A tensor over the limit gets a file of its own; a second save removes the first save's extra chunks.
    model2 = _model([5000, 1000])
    names2 = save_with_external_data(model2, tmp_path / "model.onnx", chunk_bytes=limit)
    assert names2 == ["model.onnx", "model.onnx_data", "model.onnx_data.1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names2)
    assert (tmp_path / "model.onnx_data").stat().st_size == 5000 * 4
