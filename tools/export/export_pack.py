"""AnimateDiff + SD1.5 -> ONNX model pack, with every part checked against PyTorch.

    python -m tools.export.export_pack --sd <diffusers SD1.5 folder> --motion-adapter <folder> --out <pack dir>
        [--vdm-base <diffusers SD1.5-family folder for the VDM's spatial layers; default --sd>]
        [--motion-unet <a saved UNetMotionModel, instead of --vdm-base + --motion-adapter>]
        [--precision fp16|fp32] [--frames 16] [--resolution 512] [--id ... --name ...]

--sd gives the text encoder, tokenizer, VAE, scheduler and the IDM (its unet/). The official IV-mixed setup is
--sd stable-diffusion-v1-5, --vdm-base Realistic_Vision_V5.1_noVAE, --motion-adapter animatediff-motion-adapter-v1-5-3.
The exporter fails (exit 1) when a part's ONNX output differs from PyTorch by more than the tolerance
(fp32: 1e-4 of max |ref|; fp16: 2e-2), after printing every part's error.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch

from . import onnx_export as ox
from .pack import write_manifest

TOLERANCE = {"fp32": 1e-4, "fp16": 2e-2}


def load_models(args, device):
    from diffusers import AutoencoderKL, MotionAdapter, UNet2DConditionModel, UNetMotionModel
    from transformers import CLIPTextModel

    sd = Path(args.sd)
    te = CLIPTextModel.from_pretrained(sd / "text_encoder").to(device)
    vae = AutoencoderKL.from_pretrained(sd / "vae").to(device)
    idm = UNet2DConditionModel.from_pretrained(sd / "unet").to(device)
    if args.motion_unet:
        vdm = UNetMotionModel.from_pretrained(args.motion_unet)
    else:
        base = UNet2DConditionModel.from_pretrained(Path(args.vdm_base or args.sd) / "unet")
        vdm = UNetMotionModel.from_unet2d(base, MotionAdapter.from_pretrained(args.motion_adapter))
    vdm = vdm.to(device)
    # Everything is traced in fp32 (graph fusion needs the fp32 graph; fp16 comes after, see optimize.py).
    return te.float().eval(), vae.float().eval(), idm.float().eval(), vdm.float().eval()


def export_pack(args) -> int:
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    # TF32 (cuDNN's default for convolutions) would make the PyTorch reference itself off by ~1e-3.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    dtype = torch.float16 if args.precision == "fp16" else torch.float32
    if dtype == torch.float16 and device.type != "cuda":
        print("fp16 export needs a GPU (a CPU fp16 trace of a full UNet takes very long); use --precision fp32", file=sys.stderr)
        return 2
    te, vae, idm, vdm = load_models(args, device)
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    latent = args.resolution // 8
    text_width = te.config.hidden_size
    parts: dict[str, list[str]] = {}
    t0 = time.time()
    parts["text_encoder"] = ox.export_text_encoder(te, out / "text_encoder", device)
    parts["unet"] = ox.export_image_unet(idm, out / "unet", device, (latent, latent), text_width)
    parts["motion_unet"] = ox.export_video_unet(vdm, out / "motion_unet", device, (latent, latent), text_width)
    parts["vae_decoder"] = ox.export_vae_decoder(vae, out / "vae_decoder", device, (latent, latent))
    print(f"exported in {time.time() - t0:.1f} s", flush=True)
    optimized = {}
    fp32_copy = Path(args.fp32_copy) if args.fp32_copy and dtype == torch.float16 else None
    if fp32_copy is not None:
        if fp32_copy.exists():
            shutil.rmtree(fp32_copy)
        for folder in ("text_encoder", "vae_decoder"):
            shutil.copytree(out / folder, fp32_copy / folder)
    if args.fuse or dtype == torch.float16:
        parts.update(_optimize_parts(out, args.fuse, dtype == torch.float16, fp32_copy, optimized))
    # The PyTorch references of the checks run in the pack's precision.
    idm, vdm = idm.to(dtype), vdm.to(dtype)
    if dtype == torch.float16:
        te = te.half()

    # Tokenizer and scheduler travel as they are.
    sd = Path(args.sd)
    ox.copy_tree_files(sd / "tokenizer", out / "tokenizer", ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"])
    if not (out / "tokenizer" / "tokenizer.json").exists():
        # SD1.5 repositories ship the slow CLIP files (vocab.json, merges.txt); the engine reads tokenizer.json.
        from transformers import CLIPTokenizerFast

        CLIPTokenizerFast.from_pretrained(sd / "tokenizer").save_pretrained(out / "tokenizer")
        for extra in ("vocab.json", "merges.txt", "added_tokens.json"):
            (out / "tokenizer" / extra).unlink(missing_ok=True)
    sched = json.loads((sd / "scheduler" / "scheduler_config.json").read_text())
    (out / "scheduler").mkdir(exist_ok=True)
    (out / "scheduler" / "scheduler_config.json").write_text(json.dumps(sched, indent=1))

    results = check_pack(te, vae, idm, vdm, out, device, dtype, latent, text_width, args.check_frames, TOLERANCE[args.precision])
    if optimized:
        (out.parent / f"{out.name}-optimize.json").write_text(json.dumps(optimized, indent=1))
    failed = [r for r in results if not r.ok]

    tok_cfg = json.loads((out / "tokenizer" / "tokenizer_config.json").read_text()) if (out / "tokenizer" / "tokenizer_config.json").exists() else {}
    info = {
        "latentChannels": vae.config.latent_channels,
        "vaeScalingFactor": float(vae.config.scaling_factor),
        "nativeResolution": {"width": args.resolution, "height": args.resolution},
        "frames": {"default": args.frames, "max": int(getattr(vdm.config, "motion_max_seq_length", 32) or 32)},
        "textEmbeddingWidth": text_width,
        "precision": args.precision,
        "tokenizer": tokenizer_spec(out / "tokenizer" / "tokenizer.json", tok_cfg, te.config),
    }
    if args.info:
        info.update(json.loads(Path(args.info).read_text()))
    write_manifest(out, pack_id=args.id, name=args.name, description=args.description, parts=parts, info=info)
    (out.parent / f"{out.name}-export-check.json").write_text(json.dumps([r.__dict__ for r in results], indent=1))
    if fp32_copy is not None:
        for folder in ("tokenizer", "scheduler"):
            shutil.copytree(out / folder, fp32_copy / folder, dirs_exist_ok=True)
        fp32_parts = {folder: sorted(p.name for p in (fp32_copy / folder).iterdir()) for folder in ("text_encoder", "unet", "motion_unet", "vae_decoder")}
        write_manifest(fp32_copy, pack_id=f"{args.id}-fp32", name=f"{args.name} (fp32)", description=args.description + " fp32 copy of the same fused graphs.",
                       parts=fp32_parts, info={**info, "precision": "fp32"})
        print(f"fp32 copy written to {fp32_copy}", flush=True)
    if failed:
        print(f"FAILED: {', '.join(r.part for r in failed)} above tolerance", file=sys.stderr)
        return 1
    print(f"pack written to {out}")
    return 0


def _optimize_parts(out: Path, fuse: bool, float16: bool, fp32_copy: Path | None, optimized: dict) -> dict[str, list[str]]:
    """Fusion and fp16 conversion of the two UNets and the text encoder, each in its own process: they are
    independent, CPU-bound and minutes long at full size (the motion UNet's alone outlasted a 10-minute GPU call),
    so running them side by side takes the time of the longest instead of the sum. The motion UNet starts first."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from . import optimize

    parts: dict[str, list[str]] = {}
    started = {}
    # spawn, not fork: this process has CUDA initialised.
    with ProcessPoolExecutor(max_workers=3, mp_context=multiprocessing.get_context("spawn")) as pool:
        jobs = {}
        for folder in ("motion_unet", "unet"):
            started[folder] = time.time()
            if fuse:
                jobs[folder] = pool.submit(optimize.optimize_unet, out / folder, float16=float16, fp32_copy=fp32_copy and fp32_copy / folder)
            else:
                jobs[folder] = pool.submit(optimize.convert_float16_unfused, out / folder)
        if float16:
            # The VAE decoder stays fp32: SD1.5's decoder overflows fp16, and the official code decodes in fp32.
            started["text_encoder"] = time.time()
            jobs["text_encoder"] = pool.submit(optimize.convert_float16, out / "text_encoder")
        for folder, job in jobs.items():
            result = job.result()
            if folder == "text_encoder":
                parts[folder] = result
                print(f"text_encoder: fp16 ({time.time() - started[folder]:.1f} s)", flush=True)
                continue
            optimized[folder] = result if fuse else {"files": result}
            parts[folder] = optimized[folder]["files"]
            print(f"{folder}: {json.dumps(optimized[folder])} ({time.time() - started[folder]:.1f} s)", flush=True)
    return parts


def tokenizer_spec(tokenizer_json: Path, config: dict, te_config) -> dict:
    """maxLength and the special ids, looked up by the token strings of tokenizer_config.json."""
    data = json.loads(tokenizer_json.read_text())
    vocab = data.get("model", {}).get("vocab")
    ids = {**(vocab if isinstance(vocab, dict) else {}), **{t["content"]: t["id"] for t in data.get("added_tokens", [])}}

    def lookup(key: str, fallback: int) -> int:
        token = config.get(key)
        token = token.get("content") if isinstance(token, dict) else token
        return int(ids[token]) if isinstance(token, str) and token in ids else int(fallback)

    max_length = int(config.get("model_max_length", 77))
    if max_length > 1024:  # transformers writes a huge number when no length was set
        max_length = te_config.max_position_embeddings
    eos = lookup("eos_token", te_config.eos_token_id)
    return {"maxLength": max_length, "bos": lookup("bos_token", te_config.bos_token_id), "eos": eos, "pad": lookup("pad_token", eos)}


def check_pack(te, vae, idm, vdm, out: Path, device, dtype, latent: int, text_width: int, frames: int, tol: float) -> list[ox.CheckResult]:
    """Same random inputs through PyTorch and ONNX Runtime (CPU). Small spatial sizes keep the CPU side fast;
    the graphs have dynamic height and width, so this exercises the same weights and ops."""
    g = torch.Generator().manual_seed(0)
    hw = min(latent, 16)
    ids = torch.randint(0, te.config.vocab_size, (2, 77), generator=g)
    results = [
        ox.check_against_torch("text_encoder", ox.TextEncoderWrapper(te), out / "text_encoder", _cast_feeds(out / "text_encoder", {"input_ids": ids.numpy()}), (ids.to(device),), tol)
    ]
    ts = np.array([500.0], dtype=np.float32)
    x = torch.randn(2, 4, hw, hw, generator=g)
    text = torch.randn(2, 77, text_width, generator=g)
    results.append(
        ox.check_against_torch(
            "unet", ox.ImageUnetWrapper(idm), out / "unet",
            _cast_feeds(out / "unet", {"sample": x.numpy(), "timestep": ts, "encoder_hidden_states": text.numpy()}),
            (x.to(device, dtype), torch.from_numpy(ts).to(device), text.to(device, dtype)), tol,
        )
    )
    xv = torch.randn(2, 4, frames, hw, hw, generator=g)
    with ox.onnx_friendly_repeat_interleave():
        results.append(
            ox.check_against_torch(
                "motion_unet", ox.VideoUnetWrapper(vdm), out / "motion_unet",
                _cast_feeds(out / "motion_unet", {"sample": xv.numpy(), "timestep": ts, "encoder_hidden_states": text.numpy()}),
                (xv.to(device, dtype), torch.from_numpy(ts).to(device), text.to(device, dtype)), tol,
            )
        )
    z = torch.randn(1, vae.config.latent_channels, hw, hw, generator=g)
    results.append(ox.check_against_torch("vae_decoder", ox.VaeDecoderWrapper(vae), out / "vae_decoder", _cast_feeds(out / "vae_decoder", {"latent_sample": z.numpy()}), (z.to(device),), tol))
    return results


def _cast_feeds(part_dir: Path, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same values in the element types the graph declares (an fp16 graph takes fp16 sample, timestep
    and text; the engine does the same from the session metadata)."""
    import onnx

    model = onnx.load(str(part_dir / "model.onnx"), load_external_data=False)
    types = {i.name: onnx.helper.tensor_dtype_to_np_dtype(i.type.tensor_type.elem_type) for i in model.graph.input}
    return {name: value.astype(types.get(name, value.dtype)) for name, value in feeds.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sd", required=True)
    ap.add_argument("--vdm-base")
    ap.add_argument("--motion-adapter")
    ap.add_argument("--motion-unet")
    ap.add_argument("--out", required=True)
    ap.add_argument("--precision", choices=["fp16", "fp32"], default="fp16")
    ap.add_argument("--resolution", type=int, default=512)
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--check-frames", type=int, default=4)
    ap.add_argument("--fuse", action=argparse.BooleanOptionalAction, default=True,
                    help="fuse attention into com.microsoft Attention/MultiHeadAttention for onnxruntime-web (see optimize.py)")
    ap.add_argument("--fp32-copy", help="with fp16: also write an fp32 pack of the same fused graphs to this folder (for speed comparisons; not checked)")
    ap.add_argument("--id", default="animatediff-sd15")
    ap.add_argument("--name", default="AnimateDiff + SD1.5")
    ap.add_argument("--description", default="AnimateDiff motion adapter on an SD1.5-family UNet (VDM) and SD1.5 (IDM), exported to ONNX.")
    ap.add_argument("--info", help="JSON file with manifest fields to add or override (preview, defaults, suggestedPrompts, license)")
    args = ap.parse_args(argv)
    if not args.motion_unet and not args.motion_adapter:
        ap.error("give --motion-adapter (with optional --vdm-base) or --motion-unet")
    return export_pack(args)


if __name__ == "__main__":
    sys.exit(main())
