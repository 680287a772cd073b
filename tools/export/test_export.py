"""Exporter tests on small random configs of the real classes (run on the GPU machine:
`python -m pytest -q tools/export/test_export.py`). CPU works too, except the fp16 test."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch
from diffusers import AutoencoderKL, MotionAdapter, UNet2DConditionModel, UNetMotionModel

from tools.export import export_pack, onnx_export as ox
from tools.export.pack import sha256_of
from tools.tinyworld.models import make_image_unet, make_motion_adapter, make_text_encoder, make_vae
from tools.tinyworld.world import BOS, EOS, TinyWorld


@pytest.fixture(scope="module")
def sd_folder(tmp_path_factory) -> Path:
    """A diffusers SD1.5-style folder with small random weights, plus a motion adapter folder next to it."""
    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("sd")
    world = TinyWorld()
    make_text_encoder(len(world.vocab), world.vocab[BOS], world.vocab[EOS]).save_pretrained(root / "text_encoder")
    (root / "tokenizer").mkdir()
    (root / "tokenizer" / "tokenizer.json").write_text(json.dumps(world.tokenizer_json()))
    (root / "tokenizer" / "tokenizer_config.json").write_text(json.dumps(world.tokenizer_config()))
    make_vae().save_pretrained(root / "vae")
    make_image_unet().save_pretrained(root / "unet")
    (root / "scheduler").mkdir()
    (root / "scheduler" / "scheduler_config.json").write_text(
        json.dumps({"_class_name": "PNDMScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "set_alpha_to_one": False, "steps_offset": 1, "clip_sample": False})
    )
    make_motion_adapter().save_pretrained(root / "motion_adapter")
    return root


def run_export(sd: Path, out: Path, precision: str) -> int:
    return export_pack.main(
        ["--sd", str(sd), "--motion-adapter", str(sd / "motion_adapter"), "--out", str(out), "--precision", precision, "--resolution", "64", "--frames", "8", "--id", "test-pack", "--name", "Test"]
    )


def test_fp32_export_passes_its_checks_and_writes_a_valid_manifest(sd_folder: Path, tmp_path: Path):
    out = tmp_path / "pack"
    assert run_export(sd_folder, out, "fp32") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "ivmix-pack/1"
    assert manifest["videoTextEmbeddings"] == "per-video"
    assert manifest["components"]["imageUnet"]["model"] == "unet/model.onnx"
    listed = {f["path"]: f for f in manifest["files"]}
    for folder in ("text_encoder", "unet", "motion_unet", "vae_decoder"):
        entry = listed[f"{folder}/model.onnx"]
        assert entry["size"] == (out / entry["path"]).stat().st_size
        assert entry["sha256"] == sha256_of(out / entry["path"])
    checks = json.loads((tmp_path / "pack-export-check.json").read_text())
    assert {c["part"] for c in checks} == {"text_encoder", "unet", "motion_unet", "vae_decoder"}
    assert all(c["max_rel"] <= 1e-4 for c in checks)
    assert manifest["tokenizer"] == {"maxLength": 77, "bos": 24, "eos": 25, "pad": 25}


def test_motion_unet_takes_one_text_row_per_video(sd_folder: Path, tmp_path: Path):
    """The graph repeats text per frame itself: ORT with [B,77,D] equals PyTorch given the per-frame rows."""
    out = tmp_path / "pack"
    assert run_export(sd_folder, out, "fp32") == 0
    vdm = UNetMotionModel.from_unet2d(UNet2DConditionModel.from_pretrained(sd_folder / "unet"), MotionAdapter.from_pretrained(sd_folder / "motion_adapter")).eval()
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 4, 5, 8, 8, generator=g)  # 5 frames: not the traced 4, to prove the axis is dynamic
    text = torch.randn(2, 77, 64, generator=g)
    session = ort.InferenceSession(str(out / "motion_unet" / "model.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(None, {"sample": x.numpy(), "timestep": np.array([321.0], np.float32), "encoder_hidden_states": text.numpy()})[0]
    with torch.no_grad():
        ref = vdm(x, torch.tensor([321.0]), text.repeat_interleave(5, dim=0)).sample.numpy()
    assert np.abs(got - ref).max() / np.abs(ref).max() < 1e-4


def test_a_graph_that_differs_from_pytorch_fails_the_check(sd_folder: Path, tmp_path: Path):
    out = tmp_path / "pack"
    assert run_export(sd_folder, out, "fp32") == 0
    other = make_image_unet().eval()  # different random weights than the exported IDM
    g = torch.Generator().manual_seed(2)
    x, text = torch.randn(2, 4, 8, 8, generator=g), torch.randn(2, 77, 64, generator=g)
    ts = np.array([500.0], np.float32)
    result = ox.check_against_torch(
        "unet", ox.ImageUnetWrapper(other), out / "unet", {"sample": x.numpy(), "timestep": ts, "encoder_hidden_states": text.numpy()}, (x, torch.from_numpy(ts), text), 1e-4
    )
    assert not result.ok


@pytest.mark.skipif(not torch.cuda.is_available(), reason="fp16 export runs on the GPU")
def test_fp16_export_within_fp16_tolerance(sd_folder: Path, tmp_path: Path):
    out = tmp_path / "pack16"
    assert run_export(sd_folder, out, "fp16") == 0
    checks = json.loads((tmp_path / "pack16-export-check.json").read_text())
    assert all(c["max_rel"] <= 2e-2 for c in checks)
    assert json.loads((out / "manifest.json").read_text())["precision"] == "fp16"


def test_attention_is_fused_for_onnxruntime_web(sd_folder: Path, tmp_path: Path):
    """Every spatial attention of the image UNet becomes one com.microsoft node (self: Attention, cross:
    MultiHeadAttention) with no packed inputs, and the fused graph still matches PyTorch (fp32)."""
    import onnx

    out = tmp_path / "pack"
    assert run_export(sd_folder, out, "fp32") == 0
    report = json.loads((tmp_path / "pack-optimize.json").read_text())
    unet = onnx.load(str(out / "unet" / "model.onnx"))
    ops = [n.op_type for n in unet.graph.node]
    blocks = UNet2DConditionModel.from_pretrained(sd_folder / "unet").config.down_block_types.count("CrossAttnDownBlock2D")
    assert ops.count("Attention") >= 2 * blocks and ops.count("MultiHeadAttention") >= 2 * blocks
    assert ops.count("Softmax") == 0 and report["unet"]["softmax_left"] == 0
    assert all(n.domain == "com.microsoft" for n in unet.graph.node if n.op_type in ("Attention", "MultiHeadAttention"))
    assert all(len(n.input) >= 3 for n in unet.graph.node if n.op_type == "MultiHeadAttention"), "packed KV is not run by WebGPU"
    for op in ("GroupNorm", "SkipGroupNorm", "NhwcConv", "BiasSplitGelu", "BiasAdd"):
        assert op not in ops, f"{op} has no onnxruntime-web kernel"
    motion = onnx.load(str(out / "motion_unet" / "model.onnx"))
    assert sum(n.op_type == "MultiHeadAttention" for n in motion.graph.node) >= 2 * blocks
    checks = json.loads((tmp_path / "pack-export-check.json").read_text())
    assert all(c["max_rel"] <= 1e-4 for c in checks)


def test_no_fuse_keeps_plain_attention(sd_folder: Path, tmp_path: Path):
    out = tmp_path / "plain"
    assert export_pack.main(
        ["--sd", str(sd_folder), "--motion-adapter", str(sd_folder / "motion_adapter"), "--out", str(out), "--precision", "fp32", "--resolution", "64", "--frames", "8", "--no-fuse"]
    ) == 0
    import onnx

    ops = [n.op_type for n in onnx.load(str(out / "unet" / "model.onnx")).graph.node]
    assert "Attention" not in ops and "MultiHeadAttention" not in ops and ops.count("Softmax") > 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="fp16 export runs on the GPU")
def test_fp16_keeps_normalisation_in_fp32(sd_folder: Path, tmp_path: Path):
    """fp16 weights everywhere in the UNets and the text encoder, but every normalisation reads fp32 (a Cast to
    float feeds it) so its sum of squares cannot overflow; the VAE decoder stays fp32."""
    import onnx

    out = tmp_path / "pack16"
    assert run_export(sd_folder, out, "fp16") == 0
    for folder in ("unet", "motion_unet", "text_encoder"):
        graph = onnx.load(str(out / folder / "model.onnx")).graph
        producers = {o: n for n in graph.node for o in n.output}
        norms = [n for n in graph.node if n.op_type in ("InstanceNormalization", "LayerNormalization", "SkipLayerNormalization")]
        assert norms, folder
        for n in norms:
            cast = producers.get(n.input[0])
            assert cast is not None and cast.op_type == "Cast", f"{folder}: {n.name} reads {n.input[0]}"
            assert next(a.i for a in cast.attribute if a.name == "to") == onnx.TensorProto.FLOAT
        weights = [t for t in graph.initializer if len(t.dims) >= 2]
        assert sum(t.data_type == onnx.TensorProto.FLOAT16 for t in weights) > 0.9 * len(weights), folder
    vae = onnx.load(str(out / "vae_decoder" / "model.onnx")).graph
    assert all(t.data_type == onnx.TensorProto.FLOAT for t in vae.initializer if len(t.dims) >= 2)
    unet_inputs = {i.name: i.type.tensor_type.elem_type for i in onnx.load(str(out / "unet" / "model.onnx")).graph.input}
    assert unet_inputs["sample"] == onnx.TensorProto.FLOAT16


@pytest.mark.skipif(not torch.cuda.is_available(), reason="fp16 export runs on the GPU")
def test_fp16_export_with_fp32_copy_writes_both_packs(sd_folder: Path, tmp_path: Path):
    """--fp32-copy saves the fused graphs before their fp16 conversion as a second, complete pack: fp32 weights,
    the same fused attention, a manifest whose hashes match, and outputs that agree with the fp16 pack's."""
    import onnx

    out, copy = tmp_path / "pack16", tmp_path / "pack32"
    code = export_pack.main(
        ["--sd", str(sd_folder), "--motion-adapter", str(sd_folder / "motion_adapter"), "--out", str(out), "--precision", "fp16",
         "--resolution", "64", "--frames", "8", "--id", "test-pack", "--name", "Test", "--fp32-copy", str(copy)]
    )
    assert code == 0
    manifest = json.loads((copy / "manifest.json").read_text())
    assert manifest["precision"] == "fp32" and manifest["id"] == "test-pack-fp32"
    for entry in manifest["files"]:
        assert sha256_of(copy / entry["path"]) == entry["sha256"], entry["path"]
    for folder in ("unet", "motion_unet", "text_encoder"):
        graph = onnx.load(str(copy / folder / "model.onnx")).graph
        assert all(t.data_type == onnx.TensorProto.FLOAT for t in graph.initializer if len(t.dims) >= 2), folder
    ops = [n.op_type for n in onnx.load(str(copy / "unet" / "model.onnx")).graph.node]
    assert "Attention" in ops and "MultiHeadAttention" in ops
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 8, 8)).astype(np.float32)
    text = rng.standard_normal((2, 77, json.loads((out / "manifest.json").read_text())["textEmbeddingWidth"])).astype(np.float32)
    t = np.array([500], dtype=np.float32)
    ref = ort.InferenceSession(str(copy / "unet" / "model.onnx"), providers=["CPUExecutionProvider"]).run(None, {"sample": x, "timestep": t, "encoder_hidden_states": text})[0]
    feeds16 = export_pack._cast_feeds(out / "unet", {"sample": x, "timestep": t, "encoder_hidden_states": text})
    half = ort.InferenceSession(str(out / "unet" / "model.onnx"), providers=["CPUExecutionProvider"]).run(None, feeds16)[0]
    assert np.abs(half.astype(np.float32) - ref).max() <= 2e-2 * np.abs(ref).max()
