"""Train the tiny pack: VAE, then text encoder + image UNet (IDM) on sharp frames, then the AnimateDiff-style
video UNet (VDM: the IDM's spatial layers plus motion modules) on degraded videos.

One command, fixed seeds, data generated on the fly:
    python -m tools.tinyworld.train --out runs/tiny [--stages vae,idm,vdm] [--smoke]
Each stage writes diffusers/transformers checkpoints under --out and appends JSON lines to train_log.jsonl.
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from diffusers import AutoencoderKL, DDIMScheduler, DDPMScheduler, UNet2DConditionModel, UNetMotionModel
from transformers import CLIPTextModel

from .models import make_image_unet, make_text_encoder, make_vae, make_video_unet
from .world import BOS, EOS, TinyWorld

# SD1.5's noise schedule, so the pack behaves like the real models the sampler was designed for.
SCHEDULER_CONFIG = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "clip_sample": False,
    "set_alpha_to_one": False,
    "steps_offset": 1,
    "prediction_type": "epsilon",
    "timestep_spacing": "linspace",
}
CFG_DROPOUT = 0.1


def training_noise_scheduler() -> DDPMScheduler:
    keys = ("num_train_timesteps", "beta_start", "beta_end", "beta_schedule", "clip_sample", "prediction_type")
    return DDPMScheduler(**{k: SCHEDULER_CONFIG[k] for k in keys})


class Logger:
    def __init__(self, path: Path, stage: str):
        self.path, self.stage, self.t0 = path, stage, time.time()

    def __call__(self, **fields) -> None:
        row = {"stage": self.stage, "elapsed_s": round(time.time() - self.t0, 1), **fields}
        with self.path.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


class Ema:
    """Exponential moving average of a module's parameters (the weights that get exported)."""

    def __init__(self, module: torch.nn.Module, decay: float):
        self.decay = decay
        self.shadow = [p.detach().clone().float() for p in module.parameters()]

    @torch.no_grad()
    def update(self, module: torch.nn.Module, step: int) -> None:
        d = min(self.decay, (1 + step) / (10 + step))
        for s, p in zip(self.shadow, module.parameters()):
            s.mul_(d).add_(p.detach().float(), alpha=1 - d)

    @torch.no_grad()
    def copy_to(self, module: torch.nn.Module) -> None:
        for s, p in zip(self.shadow, module.parameters()):
            p.copy_(s.to(p.dtype))


def out_of_time(log: Logger, max_seconds: float, step: int, loss: torch.Tensor) -> bool:
    if max_seconds and time.time() - log.t0 > max_seconds:
        log(step=step, loss=round(loss.item(), 5), stopped="wall-clock cap reached")
        return True
    return False


def cosine_lr(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def caption_dropout(batch: int, gen: torch.Generator, device) -> torch.Tensor:
    """Which captions become the empty prompt, so the models also learn the unconditional prediction."""
    return torch.rand(batch, generator=gen, device=device) < CFG_DROPOUT


def random_frames(videos: torch.Tensor, per_video: int, gen: torch.Generator) -> torch.Tensor:
    B, Fn = videos.shape[:2]
    idx = torch.randint(Fn, (B, per_video), generator=gen, device=videos.device)
    return videos[torch.arange(B, device=videos.device)[:, None], idx].flatten(0, 1)


# ---------------------------------------------------------------------------------------------- VAE
def train_vae(world: TinyWorld, out: Path, steps: int, batch: int, gen: torch.Generator, log: Logger, max_seconds: float = 0) -> AutoencoderKL:
    dev = world.device
    vae = make_vae().to(dev).train()
    opt = torch.optim.AdamW(vae.parameters(), lr=1e-3, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: cosine_lr(s, steps, 100))
    for step in range(steps):
        caps = world.sample_captions(batch // 2, gen)
        videos = world.render(caps, gen)
        half = batch // 4
        videos = torch.cat([videos[:half], world.degrade(videos[half:], gen)])  # it must encode both kinds
        x = random_frames(videos, 2, gen)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=dev.type == "cuda"):
            posterior = vae.encode(x).latent_dist
            recon = vae.decode(posterior.sample(generator=gen)).sample
        recon = recon.float()
        rec = F.l1_loss(recon, x) + F.mse_loss(recon, x)
        kl = posterior.kl().mean() / x[0].numel()
        loss = rec + 1e-4 * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 100 == 0 or step == steps - 1:
            log(step=step, loss=round(loss.item(), 5), recon=round(rec.item(), 5), kl=round(kl.item(), 5))
        if out_of_time(log, max_seconds, step, loss):
            break
    vae.eval()
    # SD-style scaling: make the sampler's latents unit-variance.
    with torch.no_grad():
        caps = world.sample_captions(256, gen)
        x = random_frames(world.render(caps, gen), 4, gen)
        mean = vae.encode(x).latent_dist.mean
        scaling = float(1.0 / mean.float().std())
    vae.register_to_config(scaling_factor=scaling)
    log(step=steps, scaling_factor=scaling)
    vae.save_pretrained(out / "vae")
    return vae


def encode(vae: AutoencoderKL, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    with torch.no_grad():
        return vae.encode(x).latent_dist.sample(generator=gen) * vae.config.scaling_factor


# ---------------------------------------------------------------------------------------------- IDM
def train_idm(world, vae, out: Path, steps: int, batch: int, gen, log: Logger, max_seconds: float = 0,
              resume: bool = False, freeze_text_encoder: bool = False, lr: float = 4e-4):
    """resume: continue from out/unet and out/text_encoder. freeze_text_encoder: keep the text encoder as it
    is, so that a video UNet trained at the same time against the same text encoder stays compatible."""
    dev = world.device
    vocab = world.vocab
    if resume:
        te = CLIPTextModel.from_pretrained(out / "text_encoder").to(dev)
        unet = UNet2DConditionModel.from_pretrained(out / "unet").to(dev).train()
    else:
        te = make_text_encoder(len(vocab), vocab[BOS], vocab[EOS]).to(dev)
        unet = make_image_unet().to(dev).train()
    te.train(not freeze_text_encoder)
    te.requires_grad_(not freeze_text_encoder)
    noise_sched = training_noise_scheduler()
    params = list(unet.parameters()) + ([] if freeze_text_encoder else list(te.parameters()))
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: cosine_lr(s, steps, 300))
    ema_unet, ema_te = Ema(unet, 0.999), Ema(te, 0.999)
    for step in range(steps):
        caps = world.sample_captions(batch, gen)
        x = random_frames(world.render(caps, gen), 1, gen)  # sharp single frames
        latents = encode(vae, x, gen)
        noise = torch.randn(latents.shape, generator=gen, device=dev)
        t = torch.randint(0, 1000, (batch,), generator=gen, device=dev)
        noisy = noise_sched.add_noise(latents, noise, t)
        ids = world.caption_ids(caps, caption_dropout(batch, gen, dev))
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=dev.type == "cuda"):
            with torch.set_grad_enabled(not freeze_text_encoder):
                text = te(ids).last_hidden_state
            pred = unet(noisy, t, text).sample
        loss = F.mse_loss(pred.float(), noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        ema_unet.update(unet, step)
        if not freeze_text_encoder:
            ema_te.update(te, step)
        if step % 100 == 0 or step == steps - 1:
            log(step=step, loss=round(loss.item(), 5), lr=sched.get_last_lr()[0])
        if out_of_time(log, max_seconds, step, loss):
            break
    ema_unet.copy_to(unet)
    if not freeze_text_encoder:
        ema_te.copy_to(te)
    unet.eval()
    te.eval()
    unet.save_pretrained(out / "unet")
    te.save_pretrained(out / "text_encoder")
    return te, unet


# ---------------------------------------------------------------------------------------------- VDM
def train_vdm(world, vae, te, idm, out: Path, steps: int, batch: int, gen, log: Logger, max_seconds: float = 0,
              lr: float = 2e-4, lr_motion: float = 2e-4, resume: bool = False):
    """lr: the spatial layers (copied from the IDM, adapting to degraded video); lr_motion: the new motion
    modules, which start at zero output (AnimateDiff's zero-initialised projection) and learn slowly at lr."""
    dev = world.device
    vdm = (UNetMotionModel.from_pretrained(out / "motion_unet") if resume else make_video_unet(idm)).to(dev).train()
    te.requires_grad_(False)
    noise_sched = training_noise_scheduler()
    motion = [p for n, p in vdm.named_parameters() if "motion_modules" in n]
    spatial = [p for n, p in vdm.named_parameters() if "motion_modules" not in n]
    opt = torch.optim.AdamW([{"params": spatial, "lr": lr}, {"params": motion, "lr": lr_motion}], weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: cosine_lr(s, steps, 300))
    ema = Ema(vdm, 0.999)
    Fn = world.frames
    for step in range(steps):
        caps = world.sample_captions(batch, gen)
        videos = world.degrade(world.render(caps, gen), gen)  # [B, F, 3, H, W], lower visual quality
        lat = encode(vae, videos.flatten(0, 1), gen)  # [B*F, 4, h, w]
        lat = lat.reshape(batch, Fn, *lat.shape[1:]).permute(0, 2, 1, 3, 4)  # [B, 4, F, h, w]
        noise = torch.randn(lat.shape, generator=gen, device=dev)
        t = torch.randint(0, 1000, (batch,), generator=gen, device=dev)
        noisy = noise_sched.add_noise(lat, noise, t)
        ids = world.caption_ids(caps, caption_dropout(batch, gen, dev))
        with torch.no_grad():
            text = te(ids).last_hidden_state
        text = text.repeat_interleave(Fn, dim=0)  # diffusers ≥ 0.31: one text row per frame
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=dev.type == "cuda"):
            pred = vdm(noisy, t, text).sample
        loss = F.mse_loss(pred.float(), noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vdm.parameters(), 1.0)
        opt.step()
        sched.step()
        ema.update(vdm, step)
        if step % 100 == 0 or step == steps - 1:
            log(step=step, loss=round(loss.item(), 5), lr=sched.get_last_lr()[0], lr_motion=sched.get_last_lr()[1])
        if out_of_time(log, max_seconds, step, loss):
            break
    ema.copy_to(vdm)
    vdm.eval()
    vdm.save_pretrained(out / "motion_unet")
    return vdm


# ---------------------------------------------------------------------------------------------- checks
@torch.no_grad()
def ddim_sample(model, text_u, text_c, shape, steps, guidance, gen, video: bool):
    """Plain DDIM with CFG in PyTorch: a sanity check of the trained weights (the product samples in TypeScript)."""
    sched = DDIMScheduler(**SCHEDULER_CONFIG)
    sched.set_timesteps(steps)
    x = torch.randn(shape, generator=gen, device=text_c.device)
    frames = shape[2] if video else 1
    tu, tc = (text_u.repeat_interleave(frames, 0), text_c.repeat_interleave(frames, 0)) if video else (text_u, text_c)
    for t in sched.timesteps:
        out = model(torch.cat([x, x]), t, torch.cat([tu, tc])).sample
        u, c = out.chunk(2)
        x = sched.step(u + guidance * (c - u), t, x).prev_sample
    return x


@torch.no_grad()
def preview_grid(world, vae, te, idm, vdm, out: Path, gen) -> dict:
    """PNG grids of a few prompts (image model: 4 seeds; video model: 8 of 16 frames) and the latent→RGB fit."""
    from PIL import Image

    dev = world.device
    prompts = [
        "a red circle moving left on a black background",
        "a yellow square moving up on a navy background",
        "a white triangle moving right on a maroon background",
        "a green diamond moving down on a gray background",
    ]
    text_c = te(world.tokenize(prompts)).last_hidden_state
    text_u = te(world.tokenize([""] * len(prompts))).last_hidden_state
    scale = vae.config.scaling_factor

    def decode(lat: torch.Tensor) -> torch.Tensor:
        return ((vae.decode(lat / scale).sample.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).cpu()

    rows = []
    if idm is not None:
        for seed in range(4):
            g = torch.Generator(device=dev).manual_seed(seed)
            lat = ddim_sample(idm, text_u, text_c, (len(prompts), 4, 8, 8), 25, 7.5, g, video=False)
            rows.append(decode(lat))
        grid = torch.cat([torch.cat(list(r), dim=1) for r in rows], dim=0)  # seeds down, prompts across
        Image.fromarray(grid.numpy()).resize((grid.shape[1] * 2, grid.shape[0] * 2), Image.NEAREST).save(out / "idm_samples.png")
    if vdm is not None:
        g = torch.Generator(device=dev).manual_seed(0)
        lat = ddim_sample(vdm, text_u, text_c, (len(prompts), 4, world.frames, 8, 8), 25, 7.5, g, video=True)
        frames = decode(lat.permute(0, 2, 1, 3, 4).flatten(0, 1)).reshape(len(prompts), world.frames, 64, 64, 3)
        grid = torch.cat([torch.cat(list(v[::2]), dim=1) for v in frames], dim=0)  # prompts down, frames across
        Image.fromarray(grid.numpy()).resize((grid.shape[1] * 2, grid.shape[0] * 2), Image.NEAREST).save(out / "vdm_samples.png")

    # Linear latent → RGB map for cheap previews: least squares from scaled latents to 8x8-pooled RGB.
    caps = world.sample_captions(512, gen)
    x = random_frames(world.render(caps, gen), 2, gen)
    lat = vae.encode(x).latent_dist.mean * scale  # [N, 4, 8, 8]
    rgb = F.avg_pool2d((x + 1) / 2, 8)  # [N, 3, 8, 8]
    A = torch.cat([lat.permute(0, 2, 3, 1).reshape(-1, 4), torch.ones(lat.numel() // 4, 1, device=dev)], 1).float()
    Y = rgb.permute(0, 2, 3, 1).reshape(-1, 3).float()
    sol = torch.linalg.lstsq(A.cpu(), Y.cpu()).solution  # [5, 3]
    err = (A.cpu() @ sol - Y.cpu()).abs().mean().item()
    return {"latentToRgb": sol[:4].T.tolist(), "bias": sol[4].tolist(), "meanAbsError": err}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--stages", default="vae,idm,vdm")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps-vae", type=int, default=1500)
    ap.add_argument("--steps-idm", type=int, default=2500)
    ap.add_argument("--steps-vdm", type=int, default=2000)
    ap.add_argument("--batch-vae", type=int, default=256)
    ap.add_argument("--batch-idm", type=int, default=2048)
    ap.add_argument("--batch-vdm", type=int, default=96)
    ap.add_argument("--max-seconds", type=float, default=0, help="per-stage wall-clock cap (0 = none); a capped stage logs where it stopped")
    ap.add_argument("--init-from", type=Path, help="copy the checkpoints --out lacks (vae, text_encoder, unet, ...) from this run first")
    ap.add_argument("--resume-idm", action="store_true", help="the idm stage continues from --out's unet and text_encoder")
    ap.add_argument("--freeze-text-encoder", action="store_true", help="the idm stage keeps the text encoder fixed")
    ap.add_argument("--resume-vdm", action="store_true", help="the vdm stage continues from --out's motion_unet")
    ap.add_argument("--lr-idm", type=float, default=4e-4)
    ap.add_argument("--lr-vdm", type=float, default=2e-4)
    ap.add_argument("--lr-motion", type=float, default=2e-4, help="learning rate of the VDM's motion modules")
    ap.add_argument("--smoke", action="store_true", help="a few steps of every stage, to check the whole path")
    args = ap.parse_args()
    if args.smoke:
        args.steps_vae = args.steps_idm = args.steps_vdm = 3
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    world = TinyWorld(device=dev)
    if args.init_from:
        for part in ("vae", "text_encoder", "unet", "motion_unet"):
            if (args.init_from / part).exists() and not (args.out / part).exists():
                shutil.copytree(args.init_from / part, args.out / part)
    (args.out / "tokenizer").mkdir(exist_ok=True)
    (args.out / "tokenizer" / "tokenizer.json").write_text(json.dumps(world.tokenizer_json(), indent=1))
    (args.out / "tokenizer" / "tokenizer_config.json").write_text(json.dumps(world.tokenizer_config(), indent=1))
    (args.out / "scheduler").mkdir(exist_ok=True)
    (args.out / "scheduler" / "scheduler_config.json").write_text(json.dumps({"_class_name": "DDIMScheduler", **SCHEDULER_CONFIG}, indent=1))
    log_path = args.out / "train_log.jsonl"
    stages = args.stages.split(",")
    vae = te = idm = vdm = None
    # Each stage has its own generator seed, so a stage reruns identically on its own.
    if "vae" in stages:
        gen = torch.Generator(device=dev).manual_seed(args.seed * 1000 + 1)
        vae = train_vae(world, args.out, args.steps_vae, args.batch_vae, gen, Logger(log_path, "vae"), args.max_seconds)
    else:
        vae = AutoencoderKL.from_pretrained(args.out / "vae").to(dev).eval()
    if "idm" in stages:
        gen = torch.Generator(device=dev).manual_seed(args.seed * 1000 + 2)
        te, idm = train_idm(world, vae, args.out, args.steps_idm, args.batch_idm, gen, Logger(log_path, "idm"), args.max_seconds,
                            resume=args.resume_idm, freeze_text_encoder=args.freeze_text_encoder, lr=args.lr_idm)
    elif (args.out / "unet").exists():
        te = CLIPTextModel.from_pretrained(args.out / "text_encoder").to(dev).eval()
        idm = UNet2DConditionModel.from_pretrained(args.out / "unet").to(dev).eval()
    if "vdm" in stages:
        gen = torch.Generator(device=dev).manual_seed(args.seed * 1000 + 3)
        vdm = train_vdm(world, vae, te, idm, args.out, args.steps_vdm, args.batch_vdm, gen, Logger(log_path, "vdm"), args.max_seconds,
                        lr=args.lr_vdm, lr_motion=args.lr_motion, resume=args.resume_vdm)
    elif (args.out / "motion_unet").exists():
        vdm = UNetMotionModel.from_pretrained(args.out / "motion_unet").to(dev).eval()
    if te is not None:
        gen = torch.Generator(device=dev).manual_seed(args.seed * 1000 + 4)
        preview = preview_grid(world, vae, te, idm, vdm, args.out, gen)
        (args.out / "preview.json").write_text(json.dumps(preview, indent=1))
        Logger(log_path, "preview")(mean_abs_error=round(preview["meanAbsError"], 4))


if __name__ == "__main__":
    main()
