"""GroupNorm → LayerNormalization rewrite (tools/export/groupnorm.py), on a small exported UNet: same outputs on
ONNX Runtime (CPU) to 1e-5, every GroupNorm-pattern InstanceNormalization replaced. Runs where onnxruntime is
installed (the GPU machine): `python -m pytest -q tools/export/test_groupnorm.py`."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch

from tools.export import onnx_export as ox
from tools.export.groupnorm import rewrite_group_norms
from tools.tinyworld.models import make_image_unet


def test_rewrite_keeps_the_function_and_removes_instance_norm(tmp_path: Path):
    torch.manual_seed(0)
    unet = make_image_unet().eval()
    ox.export_image_unet(unet, tmp_path / "unet", torch.device("cpu"), (8, 8), unet.config.cross_attention_dim)
    original = onnx.load(str(tmp_path / "unet" / "model.onnx"))
    rewritten = onnx.load(str(tmp_path / "unet" / "model.onnx"))
    count = rewrite_group_norms(rewritten)
    ops = [n.op_type for n in rewritten.graph.node]
    assert count == [n.op_type for n in original.graph.node].count("InstanceNormalization") > 0
    assert "InstanceNormalization" not in ops and ops.count("LayerNormalization") >= count
    onnx.checker.check_model(rewritten)
    rng = np.random.default_rng(0)
    # Two sizes: the LayerNormalization's scale is made at run time from the group length.
    for hw in (8, 16):
        feeds = {
            "sample": rng.standard_normal((2, 4, hw, hw)).astype(np.float32),
            "timestep": np.array([500], dtype=np.float32),
            "encoder_hidden_states": rng.standard_normal((2, 77, unet.config.cross_attention_dim)).astype(np.float32),
        }
        run = lambda m: ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)[0]  # noqa: E731
        a, b = run(original), run(rewritten)
        assert np.abs(a - b).max() <= 1e-5 * max(1.0, np.abs(a).max())
