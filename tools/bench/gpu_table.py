"""Merge the GPU benchmark's results into markdown tables (tools/device/gpu_bench.sh calls it at the end).

    python3 -m tools.bench.gpu_table --out-dir $OUT --work-dir /tmp/gpubench > table.md

Reads engine-<label>-*.json (scripts/dawn/fullsize-bench.ts, one record per measurement, one file per call of
tools/device/gpu_bench.sh; a later record of the same measurement replaces an earlier one): fp16 is the default run on
the fp16 pack, fp32 the fp32 pack, and every other label a variant of the fp16 run (ln: GroupNorm as LayerNorm; others
named by gpu_bench.sh's LABEL, with their layout and Dawn flags read from their load record), compared with it;
torch.json (tools/bench/torch_bench.py), and from the work dir smi.csv (nvidia-smi memory.used samples),
windows.txt (when each benchmark ran) and concurrent (1: PyTorch ran while the export ran beside it). Whatever is missing is
written as not measured; whole generations the engine did not run are computed from its per-call times and
marked so.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
from datetime import datetime
from pathlib import Path

FRAMES = 16
NA = "–"
# fullsize-bench.ts's toggles when DAWN_FLAGS is unset (scripts/dawn/dawn-env.ts DAWN_FLAGS): a variant's flags are
# named only where they differ from these.
DEFAULT_DAWN_FLAGS = ["enable-dawn-features=vulkan_enable_f16_on_nvidia"]
BASE_LABELS = ("fp16", "fp32")
ENGINE_FILE = re.compile(r"engine-(.+)-(\d+)\.json")


def load_json(path: Path, default):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return default


def fmt(x, digits=0, unit=""):
    if x is None:
        return NA
    return f"{x:,.{digits}f}{unit}"


def ratio(a, b):
    return f"{a / b:.1f}×" if a and b else NA


def smi_peak(work: Path, start: str, end: str, pick: str = "max") -> float | None:
    """Rise of card memory use (MiB) within a benchmark's window: its peak minus the window's lowest sample (each
    benchmark is a new process, so that is what the card held without it). With several windows of the same name
    (one per call): the largest ("max") or the newest ("last", e.g. PyTorch rerun without the export beside it)."""
    windows: list[tuple[float, float]] = []
    opened: float | None = None
    for line in (work / "windows.txt").read_text().splitlines() if (work / "windows.txt").exists() else []:
        name, t = line.split()
        if name == start:
            opened = float(t)
        elif name == end and opened is not None:
            windows.append((opened, float(t)))
            opened = None
    if not windows or not (work / "smi.csv").exists():
        return None
    samples = []
    for line in (work / "smi.csv").read_text().splitlines():
        try:
            ts, used = [p.strip() for p in line.split(",")]
            samples.append((datetime.strptime(ts, "%Y/%m/%d %H:%M:%S.%f").timestamp(), float(used)))
        except ValueError:
            continue
    rises = []
    for a, b in windows:
        inside = [u for t, u in samples if a <= t <= b]
        if inside:
            rises.append(max(inside) - min(inside))
    if not rises:
        return None
    return rises[-1] if pick == "last" else max(rises)


def engine_label(f: Path) -> str | None:
    match = ENGINE_FILE.fullmatch(f.name)
    return match.group(1) if match else None


def engine_records(out: Path, label: str) -> list[dict]:
    # Exact labels: a glob for engine-fp16-* would also take a variant labelled e.g. fp16-nchw.
    files = sorted((f for f in out.glob("engine-*.json") if engine_label(f) == label), key=lambda f: f.name)
    if label == "fp16" and (out / "engine.json").exists():
        files.insert(0, out / "engine.json")
    return [r for f in files for r in load_json(f, [])]


def variant_labels(out: Path) -> list[str]:
    labels = {engine_label(f) for f in out.glob("engine-*.json")}
    return sorted(label for label in labels if label and label not in BASE_LABELS)


def describe_variant(label: str, records: list[dict]) -> str:
    """What sets a variant apart from the default fp16 run, from its newest load record; its label where nothing does."""
    load = next((r for r in reversed(records) if r.get("what") == "load"), {})
    parts = ["GroupNorm as LayerNorm"] if label == "ln" else []
    layout = load.get("layout") or "default"
    if not layout.startswith("default"):
        parts.append(f"layout {layout}")
    flags = load.get("dawnFlags")
    if flags is not None and flags != DEFAULT_DAWN_FLAGS:
        parts.append(f"Dawn flags {'; '.join(flags) or 'none'}")
    return ", ".join([load.get("precision", "fp16"), *parts]) if parts else label


def signed_pct(new, base) -> str:
    if new is None or not base:
        return NA
    change = 100 * (new - base) / base
    return f"{'−' if change < 0 else '+'}{abs(change):.1f} %"


def gen_key(r: dict) -> tuple:
    option = r.get("option", "")
    return (r["size"], r["sampler"], r["steps"], "" if option == "save" else option)


def tables(out: Path, work: Path) -> str:
    engine = engine_records(out, "fp16")
    engine32 = engine_records(out, "fp32")
    variants = []  # (label, description, its records, its per-call record by size), one per variant label
    for label in variant_labels(out):
        records = engine_records(out, label)
        variants.append((label, describe_variant(label, records), records, {r["size"]: r for r in records if r.get("what") == "per call"}))
    descriptions = [d for _, d, _, _ in variants]
    # Two labels with the same settings (e.g. a repeat) would give identical rows: their labels tell them apart.
    variants = [(label, f"{d} ({label})" if descriptions.count(d) > 1 else d, rs, pc) for label, d, rs, pc in variants]
    per_call32 = {r["size"]: r for r in engine32 if r.get("what") == "per call"}
    torch = load_json(out / "torch.json", {})
    concurrent = (work / "concurrent").exists() and (work / "concurrent").read_text().strip() == "1"
    by = lambda what: [r for r in engine if r.get("what") == what]  # noqa: E731
    adapter = next(iter(by("adapter")), {})
    load = next(iter(by("load")), {})
    per_call = {r["size"]: r for r in by("per call")}
    # A `:save` stage only writes its outputs afterwards: its times are a plain generation's.
    gens = {gen_key(r): r for r in by("generation") if r.get("option") in (None, "", "save")}
    extra_gens = [("fp16, latents on the CPU between calls", r) for r in by("generation") if r.get("option") == "cpu-latents"]
    extra_gens += [("fp32 pack", r) for r in engine32 if r.get("what") == "generation"]
    extra_gens += [(d, r) for _, d, records, _ in variants for r in records if r.get("what") == "generation"]
    t_calls = {(r["call"].split(" ")[0] if not r["call"].startswith("VAE") else r["call"], r["size"]): r for r in torch.get("calls", [])}
    t_gens = {(r["size"], r["sampler"], r["steps"]): r for r in torch.get("gens", [])}
    info = torch.get("info", {})
    lines = []
    w = lines.append
    w(f"Device: {info.get('device', adapter.get('webgpu', {}).get('adapter', 'unknown'))}. Engine: Node {adapter.get('node', '?')} + Dawn "
      f"(webgpu 0.6.2), onnxruntime-web {adapter.get('onnxruntimeWeb', '?')} native WebGPU EP, pack precision "
      f"{load.get('precision', '?')} (UNets fp16 with fused attention, normalisation fp32; text encoder fp16; VAE decoder fp32), "
      f"latents on the GPU. PyTorch {info.get('torch', '?')}, diffusers {info.get('diffusers', '?')}, fp16 eager, "
      f"attention {', '.join(info.get('attn_processors', [])) or '?'}.")
    if load:
        w(f"Engine load: {load['loadMs'] / 1000:.1f} s (files read and SHA-256-verified, sessions created); GPU buffers after load "
          f"{load['gpuMiBAfterLoad']:,.0f} MiB. PyTorch load {info.get('load_s', 0):.1f} s.")
    if concurrent:
        w("PyTorch ran while the pack's export ran on the same machine (CPU-heavy ONNX optimisation, short GPU traces): "
          "its times may be somewhat high.")
    w("")
    w("### Per call (median ms)")
    w("")
    w("| call | size | engine fp16 (ORT-web WebGPU) | engine fp32 pack | PyTorch fp16 | engine fp16 / PyTorch |")
    w("| --- | ---: | ---: | ---: | ---: | ---: |")
    for size in (512, 256):
        pc, pc32 = per_call.get(size), per_call32.get(size)
        for key, label in (("IDM", f"IDM, batch {2 * FRAMES} (CFG × {FRAMES} frames)"), ("VDM", f"VDM, batch 2 × {FRAMES} frames (CFG)")):
            eng = pc and pc[key.lower()]["medianMs"]
            eng32 = pc32 and pc32[key.lower()]["medianMs"]
            tr = t_calls.get((key, size), {}).get("median_ms")
            n = f" (n={pc[key.lower()]['n']})" if pc else ""
            w(f"| {label} | {size}² | {fmt(eng, 1)}{n} | {fmt(eng32, 1)} | {fmt(tr, 1)} | {ratio(eng, tr)} |")
        eng_vae = pc and pc["decodePerFrameMedianMs"]
        eng_vae32 = pc32 and pc32["decodePerFrameMedianMs"]
        t16 = t_calls.get(("VAE decode per frame, fp16", size), {}).get("median_ms")
        t32 = t_calls.get(("VAE decode per frame, fp32", size), {}).get("median_ms")
        w(f"| VAE decode, per frame (engine fp32 in both packs; PyTorch fp16 / fp32) | {size}² | {fmt(eng_vae, 1)} | {fmt(eng_vae32, 1)} | {fmt(t16, 1)} / {fmt(t32, 1)} | {ratio(eng_vae, t16)} / {ratio(eng_vae, t32)} |")
    te_engine = [r["textEncoderMs"] for r in by("generation")] or [r["textEncoderMs"] for r in by("per call")][1:]
    te = statistics.median(te_engine) if te_engine else None
    tt = t_calls.get(("text", 0), {}).get("median_ms")
    for size in (512, 256):
        for _, description, _, variant_per_call in variants:
            pv = variant_per_call.get(size)
            if pv:
                w(f"| {description}: IDM / VDM / VAE per frame | {size}² | {fmt(pv['idm']['medianMs'], 1)} / "
                  f"{fmt(pv['vdm']['medianMs'], 1)} / {fmt(pv['decodePerFrameMedianMs'], 1)} | – | – | – |")
    te32_engine = [r["textEncoderMs"] for r in engine32 if r.get("what") == "generation"]
    te32 = statistics.median(te32_engine) if te32_engine else None
    w(f"| text encoder, 2 rows (engine: inside a generation) | – | {fmt(te, 1)} | {fmt(te32, 1)} | {fmt(tt, 1)} | {ratio(te, tt)} |")
    w("")
    changes = []
    for size in (512, 256):
        base = per_call.get(size)
        for _, description, _, variant_per_call in variants:
            pv = variant_per_call.get(size)
            if base and pv:
                changes.append(f"- {description} at {size}²: IDM {signed_pct(pv['idm']['medianMs'], base['idm']['medianMs'])}, "
                               f"VDM {signed_pct(pv['vdm']['medianMs'], base['vdm']['medianMs'])}, VAE per frame "
                               f"{signed_pct(pv['decodePerFrameMedianMs'], base['decodePerFrameMedianMs'])} against the default fp16 run.")
    if changes:
        lines.extend(changes)
        w("")
    w("### Whole generation, 16 frames, CFG batched, default knobs (s)")
    w("")
    w("Engine: `Engine.generate` end to end (text encoder, sampler, VAE decode of 16 frames one at a time, frames to RGBA). "
      "PyTorch: the engine's own plan replayed (scripts/dawn/plan.ts, tools/bench/torch_bench.py `replay`), text encoder, VAE fp16 "
      "one frame at a time, uint8 frames on the CPU. *computed* = from the engine's per-call medians (calls × ms + text "
      "encoder + 16 × decode per frame), not run.")
    w("")
    w("| size | sampler | steps | VDM + IDM calls | engine (s) | engine: sampling outside UNet calls | engine: all but UNet calls | "
      "engine peak GPU buffers (MiB) | PyTorch (s) | PyTorch: all but UNet calls | PyTorch peak alloc (MiB) | engine / PyTorch |")
    w("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in (256, 512):
        for sampler, steps in (("ddim", 25), ("iv-iv", 25), ("ddim", 50), ("iv-iv", 50)):
            v, i = (steps, 0) if sampler == "ddim" else (3 * steps, 2 * steps)
            g = gens.get((size, sampler, steps, ""))
            tg = t_gens.get((size, sampler, steps))
            if g:
                eng_s = g["totalMs"] / 1000
                eng = f"{eng_s:.1f}"
                outside, not_unet, peak = f"{g['outsideCallsPct']:.2f} %", f"{g['notUnetPct']:.1f} %", fmt(g["peakGpuMiB"])
            elif per_call.get(size):
                pc = per_call[size]
                eng_s = (v * pc["vdm"]["medianMs"] + i * pc["idm"]["medianMs"] + (te or 0) + FRAMES * pc["decodePerFrameMedianMs"]) / 1000
                eng, outside, not_unet, peak = f"{eng_s:.1f} *computed*", NA, NA, NA
            else:
                eng_s, eng, outside, not_unet, peak = None, "not measured", NA, NA, NA
            t_s = tg["total_ms"] / 1000 if tg else None
            t_txt = f"{t_s:.2f}" if tg else "not run"
            t_not = f"{tg['outside_unet_pct_of_total']:.1f} %" if tg else NA
            t_peak = fmt(tg["peak_alloc_mib"]) if tg else NA
            w(f"| {size}² | {sampler} | {steps} | {v} + {i} | {eng} | {outside} | {not_unet} | {peak} | {t_txt} | {t_not} | {t_peak} | {ratio(eng_s, t_s)} |")
    if extra_gens:
        w("")
        w("Other engine runs (same request; PyTorch as above):")
        w("")
        w("| size | sampler | steps | engine run | engine (s) | sampling outside UNet calls | all but UNet calls | scheduler / transfers (ms) | peak GPU buffers (MiB) |")
        w("| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
        for label, g in extra_gens:
            w(f"| {g['size']}² | {g['sampler']} | {g['steps']} | {label} | {g['totalMs'] / 1000:.1f} | {g['outsideCallsPct']:.2f} % | "
              f"{g['notUnetPct']:.1f} % | {g['schedulerMs']:.0f} / {g['transferMs']:.0f} | {fmt(g['peakGpuMiB'])} |")
    w("")
    w("### Goals")
    w("")
    for size in (256, 512):
        d, iv = gens.get((size, "ddim", 25, "")), gens.get((size, "iv-iv", 25, ""))
        if d and iv:
            wall = iv["totalMs"] / d["totalMs"]
            unet = iv["modelMs"] / d["modelMs"]
            w(f"- IV-mixed / DDIM at {size}², 25 steps: wall time {wall:.2f}×, their UNet call time {unet:.2f}× "
              f"(calls 125 / 25 = 5×): {'met' if wall <= unet + 1e-9 else 'not met'} (wall ≤ UNet ratio).")
    worst = max((g["outsideCallsPct"] for g in gens.values()), default=None)
    worst_all = max((g["notUnetPct"] for g in gens.values()), default=None)
    if worst is not None:
        w(f"- Time outside UNet calls: sampling overhead (scheduler passes, copies, loop) at most {worst:.2f} % of a generation; "
          f"with the text encoder and the VAE decode counted, at most {worst_all:.1f} % (goal < 3 %).")
    ratios = []
    for key, g in gens.items():
        if key[:3] in t_gens:
            ratios.append((g["totalMs"] / t_gens[key[:3]]["total_ms"], key))
    if ratios:
        lo, hi = min(ratios), max(ratios)
        w(f"- Whole generation vs PyTorch fp16: {lo[0]:.1f}× ({lo[1][0]}² {lo[1][1]}-{lo[1][2]}) to {hi[0]:.1f}× "
          f"({hi[1][0]}² {hi[1][1]}-{hi[1][2]}) (goal ≤ 3×).")
    e_peak = smi_peak(work, "engine-fp16-start", "engine-fp16-end")
    t_peak = smi_peak(work, "torch-start", "torch-end", pick="last")
    w(f"- Card memory in use (nvidia-smi: rise within the benchmark's window): engine {fmt(e_peak)} MiB, "
      f"PyTorch {fmt(t_peak)} MiB{' (with the export beside it)' if concurrent else ''}.")
    compared = load_json(out / "compare.json", [])
    if compared:
        w("")
        w("### Two runs of the same request (seed 7), final latents and frames (tools/bench/compare_outputs.py)")
        w("")
        w("| runs | request | latents max abs diff / max abs ref | latents RMS diff / RMS | frames max diff (LSB) | mean (LSB) | values over 8 LSB |")
        w("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for r in compared:
            w(f"| {r.get('other', 'fp16')} vs {r.get('reference', 'fp32')} | {r['request']} | {r['latents_rel']:.2e} | "
              f"{r['latents_rms_rel']:.2e} | {r['frames_max_lsb']} | "
              f"{r['frames_mean_lsb']:.2f} | {r['frames_over_8_lsb_pct']:.2f} % |")
    profiles = sorted(out.glob("profile-*.json"))
    gen_profiles = [r for r in engine if r.get("what") == "dispatch profile"]
    if profiles or gen_profiles:
        w("")
        w("### Where the GPU time goes (every dispatch timed; passes split per dispatch, so shares, not absolute times)")
        for f in profiles:
            prof = load_json(f, {})
            if not prof:
                continue
            w("")
            w(f"{prof['part']} at {prof['size']}², layout {prof['layout']}, {prof['precision']}: wall "
              f"{' / '.join(f'{x:.0f}' for x in prof['wallMs'])} ms unprofiled, {prof['dispatches']} dispatches, "
              f"{prof['gpuDispatchMs']:.0f} ms of GPU time in the profiled call.")
            w("")
            w("| program | ms | share | dispatches |")
            w("| --- | ---: | ---: | ---: |")
            for g in prof["byShader"][:12]:
                w(f"| {g['key']} | {g['ms']:.1f} | {g['pct']:.1f} % | {g['count']} |")
        for g in gen_profiles:
            w("")
            w(f"Whole generation {g['size']}² {g['sampler']}-{g['steps']}: {g['dispatches']} dispatches, {g['gpuMs']:.0f} ms of GPU "
              f"time; the sampler's own passes {g['samplerKernelsMs']:.1f} ms in {g['samplerDispatches']} dispatches.")
            w("")
            w("| program | ms | share | dispatches |")
            w("| --- | ---: | ---: | ---: |")
            for row in g["byProgram"][:12]:
                w(f"| {row['label']} | {row['ms']:.1f} | {row['pct']:.1f} % | {row['count']} |")
    every_run = engine + engine32 + [r for _, _, records, _ in variants for r in records]
    ran = {f"generation {k[0]}:{k[1]}-{k[2]}{':' + k[3] if k[3] else ''}" for k in (gen_key(r) for r in every_run if r.get("what") == "generation")}
    skipped = [r for r in every_run if r.get("what") in ("skipped", "error") and r.get("stage") not in ran]
    if skipped:
        w("")
        w("Not run: " + "; ".join(f"{r['stage']} ({r['what']}{', estimate ' + str(round(r['estimateS'])) + ' s' if 'estimateS' in r else ''})" for r in skipped) + ".")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", type=Path, required=True)
    ap.add_argument("--work-dir", type=Path, required=True)
    args = ap.parse_args(argv)
    print(tables(args.out_dir, args.work_dir), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
