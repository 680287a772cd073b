"""Build an SD1.5-architecture pipeline with random weights (SD1.5 UNet, CLIP ViT-L/14 text encoder, SD VAE,
and AnimateDiff's default v1-5-2 MotionAdapter) and export it with the exporter: the full-size pack the GPU
speed work measures. Real weights never reach these machines; the shapes and ops are the real ones.

    python -m tools.export.random_full_size --work /tmp/sd15-random --out /tmp/pack-sd15-random [--precision fp16]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from diffusers import AutoencoderKL, MotionAdapter, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel

from . import export_pack
from ..tinyworld.world import TinyWorld

SD15_UNET = dict(
    sample_size=64, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=(320, 640, 1280, 1280),
    down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    cross_attention_dim=768, attention_head_dim=8, norm_num_groups=32,
)
SD15_VAE = dict(
    in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2, block_out_channels=(128, 256, 512, 512),
    down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4, sample_size=512, scaling_factor=0.18215,
)
CLIP_L = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12, max_position_embeddings=77, projection_dim=768, hidden_act="quick_gelu")


def build(work: Path) -> None:
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    t0 = time.time()
    with torch.device(device):  # random init on the GPU is seconds instead of minutes
        world = TinyWorld()
        CLIPTextModel(CLIPTextConfig(**CLIP_L, bos_token_id=world.vocab["<|startoftext|>"], eos_token_id=world.vocab["<|endoftext|>"])).save_pretrained(work / "text_encoder")
        AutoencoderKL(**SD15_VAE).save_pretrained(work / "vae")
        UNet2DConditionModel(**SD15_UNET).save_pretrained(work / "unet")
        MotionAdapter().save_pretrained(work / "motion_adapter")  # the v1-5-2 architecture
    (work / "tokenizer").mkdir(parents=True, exist_ok=True)
    (work / "tokenizer" / "tokenizer.json").write_text(json.dumps(world.tokenizer_json()))
    (work / "tokenizer" / "tokenizer_config.json").write_text(json.dumps(world.tokenizer_config()))
    (work / "scheduler").mkdir(exist_ok=True)
    (work / "scheduler" / "scheduler_config.json").write_text(
        json.dumps({"_class_name": "DDIMScheduler", "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "set_alpha_to_one": False, "steps_offset": 1, "clip_sample": False, "timestep_spacing": "linspace"})
    )
    print(f"random SD1.5 + AnimateDiff weights built in {time.time() - t0:.1f} s", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--precision", choices=["fp16", "fp32"], default="fp16")
    ap.add_argument("--fp32-copy", type=Path, help="with fp16: also write the fp32 pack of the same fused graphs there")
    args = ap.parse_args()
    build(args.work)
    return export_pack.main([
        "--sd", str(args.work), "--motion-adapter", str(args.work / "motion_adapter"), "--out", str(args.out),
        "--precision", args.precision, "--resolution", "512", "--frames", "16", "--id", "sd15-animatediff-random",
        "--name", "SD1.5 + AnimateDiff (random weights)", "--description", "Full-size architecture with random weights, for speed measurements.",
        *(["--fp32-copy", str(args.fp32_copy)] if args.fp32_copy else []),
    ])


if __name__ == "__main__":
    sys.exit(main())
