"""PyTorch side of the GPU speed benchmark (issue 5): the full-size random-weight models (SD1.5 UNet = IDM,
AnimateDiff UNetMotionModel = VDM, CLIP ViT-L text encoder, SD VAE) in fp16 with SDPA attention, as the official
AnimateDiff pipeline runs them, timed on the same GPU and the same shapes as the engine under Node + Dawn.

    python -m tools.bench.torch_bench --work /tmp/fullsize/work --plans <dir of plan JSONs> --out torch.json \
        [--deadline <unix seconds>] [--gens 256:ddim-25,256:iv-iv-25,...] [--calls-only]

- Per call (CUDA events around each call, warm-ups first, median): IDM batch 2×16 frames (batched CFG over 16
  frames), VDM batch 2 × 16 frames, at 512² and 256²; text encoder (2 rows); VAE decode per frame (fp16 as the
  official pipeline, and fp32 as the engine's pack).
- Whole generation: the engine's own plan (scripts/dawn/plan.ts, src/cli/plan-replay.ts) replayed sub-step by
  sub-step with the same DDIM coefficients (`replay` below), text encoding before and the VAE decode (one frame
  per call, fp16) after, frames brought to the CPU as uint8 as the engine does.

Only `replay` and the layout helpers are needed without diffusers (tools/bench/test_torch_replay.py tests them
against the TypeScript core on the CPU); the models are imported when the benchmark runs.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import torch

FRAMES = 16
TEXT_LEN = 77


def video_to_frames(x: torch.Tensor) -> torch.Tensor:
    """`b c f h w -> (b f) c h w`, as the engine's LatentSpace.videoToFrames."""
    b, c, f, h, w = x.shape
    return x.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w)


def frames_to_video(x: torch.Tensor, batch: int) -> torch.Tensor:
    """`(b f) c h w -> b c f h w`."""
    bf, c, h, w = x.shape
    return x.reshape(batch, bf // batch, c, h, w).permute(0, 2, 1, 3, 4).contiguous()


Predict = Callable[[str, torch.Tensor, int, torch.Tensor], torch.Tensor]


def replay(plan: dict, latents: torch.Tensor, text: dict[str, torch.Tensor], predict: Predict) -> torch.Tensor:
    """Run a replay plan (src/cli/plan-replay.ts): per sub-step one model call (CFG batched: [x; x] in, [u; c]
    out, text rows [uncond; cond]) and one DDIM / inversion step with the plan's coefficients, in float32.
    `text[model]` holds the rows that model takes; `predict(model, x, timestep, text_rows)` returns its output."""
    if plan.get("format") != "ivmix-plan-replay/1":
        raise ValueError(f"not a replay plan: format {plan.get('format')!r}")
    batch = latents.shape[0]
    for s in plan["subSteps"]:
        image = s["model"] == "image"
        x = video_to_frames(latents) if image else latents
        if plan["cfg"]:
            out = predict(s["model"], torch.cat([x, x]), s["evalTimestep"], text[s["model"]]).float()
            u, c = out.chunk(2)
            e = u + s["guidance"] * (c - u)
        else:
            e = predict(s["model"], x, s["evalTimestep"], text[s["model"]]).float()
        x0 = (x - s["sqrtBeta"] * e) / s["sqrtAlpha"]
        y = s["sqrtAlphaNext"] * x0 + s["dirCoef"] * e
        latents = frames_to_video(y, batch) if image else y
    return latents


def text_rows(uncond: torch.Tensor, cond: torch.Tensor, frames: int, cfg: bool) -> dict[str, torch.Tensor]:
    """The rows each model takes, as the engine builds them: the VDM one per video, the IDM one per frame
    (repeat_interleave), [uncond; cond] for batched CFG."""
    per_frame = lambda t: t.repeat_interleave(frames, dim=0)  # noqa: E731
    if not cfg:
        return {"video": cond, "image": per_frame(cond)}
    return {"video": torch.cat([uncond, cond]), "image": torch.cat([per_frame(uncond), per_frame(cond)])}


# ---- the benchmark (GPU machine) -----------------------------------------------------------------------------

def stats(times: list[float]) -> dict:
    return {"median_ms": statistics.median(times), "min_ms": min(times), "n": len(times)}


class Bench:
    def __init__(self, work: Path, deadline: float, log=print):
        from diffusers import AutoencoderKL, MotionAdapter, UNet2DConditionModel, UNetMotionModel
        from transformers import CLIPTextModel

        self.deadline = deadline
        self.log = log
        dev, fp16 = torch.device("cuda"), torch.float16
        self.dev = dev
        t0 = time.time()
        # Loaded as saved (fp32), then cast on the GPU: the same on every transformers / diffusers version.
        half = lambda m: m.to(device=dev, dtype=fp16).eval()  # noqa: E731
        self.te = half(CLIPTextModel.from_pretrained(work / "text_encoder"))
        self.vae = half(AutoencoderKL.from_pretrained(work / "vae"))
        self.vae32 = AutoencoderKL.from_pretrained(work / "vae").to(dev).eval()
        self.idm = half(UNet2DConditionModel.from_pretrained(work / "unet"))
        # The VDM as the exporter builds it (random_full_size: the same UNet as spatial base + the default adapter),
        # built on the GPU (random init of 1.3 G parameters on the CPU takes long).
        base = UNet2DConditionModel.from_pretrained(work / "unet").to(dev)
        adapter = MotionAdapter.from_pretrained(work / "motion_adapter").to(dev)
        with torch.device(dev):
            self.vdm = half(UNetMotionModel.from_unet2d(base, adapter))
        del base, adapter
        torch.cuda.empty_cache()
        self.scaling = float(self.vae.config.scaling_factor)
        processors = sorted({type(p).__name__ for p in self.idm.attn_processors.values()} | {type(p).__name__ for p in self.vdm.attn_processors.values()})
        self.info = {
            "load_s": time.time() - t0,
            "device": torch.cuda.get_device_name(),
            "torch": torch.__version__,
            "attn_processors": processors,
            "idm_params_m": sum(p.numel() for p in self.idm.parameters()) / 1e6,
            "vdm_params_m": sum(p.numel() for p in self.vdm.parameters()) / 1e6,
        }
        try:
            import diffusers
            import transformers

            self.info.update(diffusers=diffusers.__version__, transformers=transformers.__version__)
        except Exception:  # noqa: BLE001 - versions are informative only
            pass
        self.log(json.dumps({"what": "torch load", **self.info}))

    def left(self) -> float:
        return self.deadline - time.time()

    @torch.inference_mode()
    def predict(self, model: str, x: torch.Tensor, t: int, rows: torch.Tensor) -> torch.Tensor:
        ts = torch.tensor([float(t)], device=self.dev)
        if model == "image":
            return self.idm(x.half(), ts, rows, return_dict=False)[0]
        # The official pipeline repeats the text per frame once before the loop; `rows` already are per frame.
        return self.vdm(x.half(), ts, rows, return_dict=False)[0]

    def time_calls(self, fn: Callable[[], object], warmup: int, iters: int) -> dict:
        for _ in range(warmup):
            fn()
        torch.cuda.synchronize()
        times = []
        for _ in range(iters):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
        return stats(times)

    @torch.inference_mode()
    def calls(self, sizes: list[int]) -> list[dict]:
        rows = []
        g = torch.Generator(device=self.dev).manual_seed(0)
        text = torch.randn(2, TEXT_LEN, 768, generator=g, device=self.dev, dtype=torch.float16)
        ids = torch.randint(0, self.te.config.vocab_size, (2, TEXT_LEN), generator=g, device=self.dev)
        r = self.time_calls(lambda: self.te(input_ids=ids), 3, 20)
        rows.append({"call": "text encoder (2 rows)", "size": 0, **r})
        self.log(json.dumps({"what": "torch call", **rows[-1]}))
        for size in sizes:
            h = size // 8
            per_frame = text.repeat_interleave(FRAMES, dim=0)
            xi = torch.randn(2 * FRAMES, 4, h, h, generator=g, device=self.dev, dtype=torch.float16)
            xv = torch.randn(2, 4, FRAMES, h, h, generator=g, device=self.dev, dtype=torch.float16)
            z = torch.randn(1, 4, h, h, generator=g, device=self.dev)
            iters = 10 if size >= 512 else 20
            todo = [
                (f"IDM batch {2 * FRAMES} (CFG × {FRAMES} frames)", lambda: self.predict("image", xi, 500, per_frame)),
                (f"VDM batch 2 × {FRAMES} frames", lambda: self.predict("video", xv, 500, per_frame)),
                ("VAE decode per frame, fp16", lambda: self.vae.decode(z.half() / self.scaling).sample),
                ("VAE decode per frame, fp32", lambda: self.vae32.decode(z / self.scaling).sample),
            ]
            for name, fn in todo:
                if self.left() < 10:
                    self.log(json.dumps({"what": "torch skipped", "call": name, "size": size, "why": "deadline"}))
                    continue
                torch.cuda.reset_peak_memory_stats()
                r = self.time_calls(fn, 3, iters)
                rows.append({"call": name, "size": size, **r, "peak_alloc_mib": torch.cuda.max_memory_allocated() / 2**20})
                self.log(json.dumps({"what": "torch call", **rows[-1]}))
        return rows

    @torch.inference_mode()
    def generation(self, plan: dict, size: int, seed: int = 0) -> dict:
        """Text encoder → the plan's sub-steps → VAE decode frame by frame → uint8 frames on the CPU, timed
        end to end (synchronized), with the UNet calls' share measured by CUDA events around each call."""
        h = size // 8
        g = torch.Generator(device=self.dev).manual_seed(seed)
        ids = torch.randint(0, self.te.config.vocab_size, (2, TEXT_LEN), generator=g, device=self.dev)
        events: list[tuple[torch.cuda.Event, torch.cuda.Event]] = []

        def timed_predict(model, x, t, rows):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            out = self.predict(model, x, t, rows)
            end.record()
            events.append((start, end))
            return out

        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        embeds = self.te(input_ids=ids).last_hidden_state
        uncond, cond = embeds.chunk(2)
        torch.cuda.synchronize()
        t1 = time.perf_counter()
        latents = torch.randn(1, 4, FRAMES, h, h, generator=g, device=self.dev, dtype=torch.float32)
        rows = text_rows(uncond, cond, FRAMES, plan["cfg"])
        # The VDM of this diffusers takes one text row per frame; the official pipeline repeats them once, here.
        rows["video"] = rows["video"].repeat_interleave(FRAMES, dim=0)
        latents = replay(plan, latents, rows, timed_predict)
        torch.cuda.synchronize()
        t2 = time.perf_counter()
        frames = video_to_frames(latents) / self.scaling
        images = [self.vae.decode(frames[i : i + 1].half()).sample for i in range(frames.shape[0])]
        pixels = ((torch.cat(images).float() / 2 + 0.5).clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).cpu()
        t3 = time.perf_counter()
        unet_ms = sum(s.elapsed_time(e) for s, e in events)
        total_ms = (t3 - t0) * 1000
        sampling_ms = (t2 - t1) * 1000
        return {
            "sampler": plan["settings"]["variant"],
            "steps": plan["settings"]["steps"],
            "size": size,
            "total_ms": total_ms,
            "text_encoder_ms": (t1 - t0) * 1000,
            "sampling_ms": sampling_ms,
            "decode_ms": (t3 - t2) * 1000,
            "unet_ms": unet_ms,
            "calls_video": plan["modelCalls"]["video"],
            "calls_image": plan["modelCalls"]["image"],
            "outside_unet_ms": sampling_ms - unet_ms,
            "outside_unet_pct_of_total": 100 * (total_ms - unet_ms) / total_ms,
            "peak_alloc_mib": torch.cuda.max_memory_allocated() / 2**20,
            "peak_reserved_mib": torch.cuda.max_memory_reserved() / 2**20,
            "frames_shape": list(pixels.shape),
        }


def estimate_gen_ms(plan: dict, size: int, calls: list[dict]) -> float:
    def per_call(prefix: str) -> float:
        for r in calls:
            if r["size"] == size and r["call"].startswith(prefix):
                return r["median_ms"]
        return 1000.0

    return plan["modelCalls"]["video"] * per_call("VDM") + plan["modelCalls"]["image"] * per_call("IDM") + FRAMES * per_call("VAE decode per frame, fp16")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, required=True, help="the random weights as diffusers folders (random_full_size --work)")
    ap.add_argument("--plans", type=Path, required=True, help="folder of <sampler>-<steps>.json replay plans")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--deadline", type=float, default=time.time() + 3600, help="unix time by which to stop starting stages")
    ap.add_argument("--sizes", default="256,512")
    ap.add_argument("--gens", default="256:ddim-25,256:iv-iv-25,256:ddim-50,256:iv-iv-50,512:ddim-25,512:iv-iv-25,512:ddim-50,512:iv-iv-50")
    ap.add_argument("--calls-only", action="store_true")
    args = ap.parse_args(argv)
    torch.backends.cuda.matmul.allow_tf32 = True  # fp16 runs on tensor cores either way; the pipeline's default
    torch.backends.cudnn.benchmark = False
    result: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}

    def save():
        args.out.write_text(json.dumps(result, indent=1))

    bench = Bench(args.work, args.deadline)
    result["info"] = bench.info
    result["calls"] = bench.calls([int(s) for s in args.sizes.split(",") if s])
    save()
    result["gens"] = []
    warmed: set[int] = set()
    if not args.calls_only:
        for item in [g for g in args.gens.split(",") if g]:
            size_s, name = item.split(":")
            size = int(size_s)
            plan = json.loads((args.plans / f"{name}.json").read_text())
            estimate = estimate_gen_ms(plan, size, result["calls"]) * 1.3 + 2000
            if bench.left() * 1000 < estimate:
                print(json.dumps({"what": "torch skipped", "gen": item, "estimate_ms": estimate, "left_s": bench.left()}), flush=True)
                continue
            if size not in warmed:
                # The first generation at a size pays one-time costs (cuDNN algorithm choice, allocator growth): on
                # the H100 the first 256² DDIM-25 once took 3.1 s against 1.7 s later. A short run absorbs them.
                bench.generation({**plan, "subSteps": plan["subSteps"][:3]}, size)
                warmed.add(size)
            row = bench.generation(plan, size)
            result["gens"].append(row)
            print(json.dumps({"what": "torch gen", **row}), flush=True)
            save()
    result["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
