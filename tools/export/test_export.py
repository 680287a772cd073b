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
