"""Export the parts of an SD1.5 + AnimateDiff pipeline to ONNX graphs the engine can run, and check each
graph against PyTorch on the same inputs.

Conventions (what the engine reads from the session metadata; see src/runtime/signature.ts):
- text_encoder: input_ids int64 [batch, 77] -> last_hidden_state [batch, 77, D], pooler_output [batch, D]
- unet (IDM): sample [batch, 4, h, w], timestep float32 [1], encoder_hidden_states [batch, 77, D] -> out_sample
- motion_unet (VDM): sample [batch, 4, frames, h, w], timestep float32 [1], encoder_hidden_states
  [batch, 77, D] (one row per video; the graph repeats it per frame, as diffusers <= 0.30 did) -> out_sample
- vae_decoder: latent_sample [batch, 4, h, w] (already divided by the scaling factor) -> sample [batch, 3, 8h, 8w]
Graphs over 2 GB are saved as model.onnx + model.onnx_data[.1, .2, ...] (external-data files of at most 1 GiB).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch

from tools.export.external_data import save_with_external_data

OPSET = 17
TWO_GB = 2**31 - 1


class TextEncoderWrapper(torch.nn.Module):
    def __init__(self, te):
        super().__init__()
        self.te = te

    def forward(self, input_ids):
        out = self.te(input_ids=input_ids, return_dict=True)
        return out.last_hidden_state, out.pooler_output


class ImageUnetWrapper(torch.nn.Module):
    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states):
        return self.unet(sample, timestep, encoder_hidden_states, return_dict=False)[0]


class VideoUnetWrapper(torch.nn.Module):
    """Takes one text row per video and repeats it per frame inside the graph (frame index fastest)."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states):
        b, frames = sample.shape[0], sample.shape[2]
        per_frame = encoder_hidden_states.unsqueeze(1).expand(b, frames, *encoder_hidden_states.shape[1:])
        per_frame = per_frame.reshape(-1, *encoder_hidden_states.shape[1:])
        return self.unet(sample, timestep, per_frame, return_dict=False)[0]


class VaeDecoderWrapper(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent_sample):
        return self.vae.decode(latent_sample, return_dict=False)[0]


@contextlib.contextmanager
def onnx_friendly_repeat_interleave():
    """UNetMotionModel repeats its time embedding with repeat_interleave(int, dim=0), whose TorchScript
    symbolic rejects a dynamic batch axis; unsqueeze/expand/reshape is the same tensor and exports."""
    original = torch.Tensor.repeat_interleave

    def patched(self, repeats, dim=None, *, output_size=None):
        # Under tracing the frame count is a 0-d tensor (a traced size); keep it symbolic.
        if dim == 0 and (not torch.is_tensor(repeats) or repeats.dim() == 0):
            return self.unsqueeze(1).expand(self.shape[0], repeats, *self.shape[1:]).reshape(-1, *self.shape[1:])
        return original(self, repeats, dim=dim, output_size=output_size)

    torch.Tensor.repeat_interleave = patched
    try:
        yield
    finally:
        torch.Tensor.repeat_interleave = original


def _save(model_proto_path: Path, out_dir: Path) -> list[str]:
    """Move an exported graph into out_dir/model.onnx, with one external-data file if it is too big to embed."""
    # Size from the files torch wrote (it spills big graphs to per-tensor files itself); asking protobuf for
    # the size of a message over 2 GB fails.
    exported_bytes = sum(f.stat().st_size for f in model_proto_path.parent.iterdir() if f.is_file())
    model = onnx.load(str(model_proto_path), load_external_data=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "model.onnx"
    if exported_bytes < TWO_GB:
        for stale in [target, *out_dir.glob("model.onnx_data*")]:
            stale.unlink(missing_ok=True)
        onnx.save_model(model, str(target))
        return ["model.onnx"]
    return save_with_external_data(model, target)


def _export(module: torch.nn.Module, args: tuple, out_dir: Path, input_names, output_names, dynamic_axes) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp) / "model.onnx"
        with torch.no_grad():
            torch.onnx.export(
                module,
                args,
                str(tmp_path),
                dynamo=False,
                opset_version=OPSET,
                do_constant_folding=True,
                input_names=input_names,
                output_names=output_names,
                dynamic_axes=dynamic_axes,
            )
        return _save(tmp_path, out_dir)


def export_text_encoder(te, out_dir: Path, device) -> list[str]:
    ids = torch.zeros(2, 77, dtype=torch.long, device=device)
    return _export(
        TextEncoderWrapper(te).eval(), (ids,), out_dir, ["input_ids"], ["last_hidden_state", "pooler_output"],
        {"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}, "pooler_output": {0: "batch"}},
    )


def _timestep(device) -> torch.Tensor:
    return torch.tensor([500.0], dtype=torch.float32, device=device)


def export_image_unet(unet, out_dir: Path, device, latent_hw: tuple[int, int], text_width: int) -> list[str]:
    dtype = next(unet.parameters()).dtype
    h, w = latent_hw
    sample = torch.randn(2, unet.config.in_channels, h, w, device=device, dtype=dtype)
    text = torch.randn(2, 77, text_width, device=device, dtype=dtype)
    axes = {"sample": {0: "batch", 2: "height", 3: "width"}, "encoder_hidden_states": {0: "batch"}, "out_sample": {0: "batch", 2: "height", 3: "width"}}
    return _export(ImageUnetWrapper(unet).eval(), (sample, _timestep(device), text), out_dir, ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], axes)


def export_video_unet(unet, out_dir: Path, device, latent_hw: tuple[int, int], text_width: int, frames: int = 4) -> list[str]:
    dtype = next(unet.parameters()).dtype
    h, w = latent_hw
    sample = torch.randn(2, unet.config.in_channels, frames, h, w, device=device, dtype=dtype)
    text = torch.randn(2, 77, text_width, device=device, dtype=dtype)
    axes = {
        "sample": {0: "batch", 2: "frames", 3: "height", 4: "width"},
        "encoder_hidden_states": {0: "batch"},
        "out_sample": {0: "batch", 2: "frames", 3: "height", 4: "width"},
    }
    with onnx_friendly_repeat_interleave():
        return _export(
            VideoUnetWrapper(unet).eval(), (sample, _timestep(device), text), out_dir, ["sample", "timestep", "encoder_hidden_states"], ["out_sample"], axes
        )


def export_vae_decoder(vae, out_dir: Path, device, latent_hw: tuple[int, int]) -> list[str]:
    dtype = next(vae.parameters()).dtype
    h, w = latent_hw
    latents = torch.randn(1, vae.config.latent_channels, h, w, device=device, dtype=dtype)
    axes = {"latent_sample": {0: "batch", 2: "height", 3: "width"}, "sample": {0: "batch", 2: "out_height", 3: "out_width"}}
    return _export(VaeDecoderWrapper(vae).eval(), (latents,), out_dir, ["latent_sample"], ["sample"], axes)


# ------------------------------------------------------------------------------------------ checks
@dataclass
class CheckResult:
    part: str
    max_abs: float
    max_rel: float  # max |ort - torch| / max |torch|
    tolerance: float

    @property
    def ok(self) -> bool:
        return bool(np.isfinite(self.max_rel)) and self.max_rel <= self.tolerance

    def line(self) -> str:
        return f"{self.part:<12} max|Δ| {self.max_abs:.3e}  max|Δ|/max|ref| {self.max_rel:.3e}  tolerance {self.tolerance:.0e}  {'OK' if self.ok else 'FAIL'}"


class ExportCheckError(RuntimeError):
    pass


def check_against_torch(part: str, module: torch.nn.Module, onnx_dir: Path, feeds: dict[str, np.ndarray], torch_args: tuple, tolerance: float) -> CheckResult:
    """Run the exported graph on ONNX Runtime (CPU) and the module in PyTorch (fp32) on the same inputs."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = min(16, os.cpu_count() or 1)
    session = ort.InferenceSession(str(onnx_dir / "model.onnx"), opts, providers=["CPUExecutionProvider"])
    got = session.run(None, feeds)[0].astype(np.float64)
    with torch.no_grad():
        ref = module(*torch_args)
        ref = (ref[0] if isinstance(ref, tuple) else ref).float().cpu().numpy().astype(np.float64)
    if got.shape != ref.shape:
        raise ExportCheckError(f"{part}: ONNX output shape {got.shape} differs from PyTorch {ref.shape}")
    diff = np.abs(got - ref)
    result = CheckResult(part, float(diff.max()), float(diff.max() / max(np.abs(ref).max(), 1e-12)), tolerance)
    print(result.line(), flush=True)
    return result


def copy_tree_files(src: Path, dst: Path, names: list[str]) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for n in names:
        if (src / n).exists():
            shutil.copyfile(src / n, dst / n)
