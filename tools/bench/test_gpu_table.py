"""The GPU table's variant runs (engine-<label>-*.json other than fp16 / fp32) on small fake results shaped like the
records scripts/dawn/fullsize-bench.ts prints; no GPU needed:  python3 -m pytest -q tools/bench/test_gpu_table.py
"""
from __future__ import annotations

import json
from pathlib import Path

from .gpu_table import DEFAULT_DAWN_FLAGS, describe_variant, engine_records, tables


def adapter() -> dict:
    return {"what": "adapter", "webgpu": {"adapter": "NVIDIA H100"}, "onnxruntimeWeb": "1.30.0", "node": "v20.20.2",
            "features": ["shader-f16", "subgroups"], "subgroupMinSize": 32, "subgroupMaxSize": 32}


def load(layout: str = "default (NHWC)", dawn_flags: list[str] | None = None) -> dict:
    return {"what": "load", "backend": "webgpu", "reason": "", "loadMs": 12_000, "layout": layout,
            "dawnFlags": DEFAULT_DAWN_FLAGS if dawn_flags is None else dawn_flags, "precision": "fp16",
            "packBytes": 2 * 2**30, "phases": [], "gpuMiBAfterLoad": 2_500, "gpuBuffersAfterLoad": 900, "rssMiB": 800}


def call(ms: float) -> dict:
    return {"medianMs": ms, "minMs": ms * 0.98, "n": 3, "firstMs": ms * 4}


def generation_summary(size: int, sampler: str, steps: int, total_ms: float) -> dict:
    return {"totalMs": total_ms, "modelMs": total_ms * 0.9, "videoCalls": steps, "imageCalls": 0, "vdmMedianMs": 500,
            "idmMedianMs": 0, "textEncoderMs": 20, "decodeMs": 400, "decodePerFrameMedianMs": 25, "schedulerMs": 15,
            "schedulerSteps": steps, "transferMs": 3, "outsideCallsMs": 30, "outsideCallsPct": 0.25, "notUnetPct": 10.0,
            "latentsOnGpu": True, "gpuLiveTensorsAfter": 0, "peakGpuMiB": 3_000}


def per_call(size: int, idm: float, vdm: float, vae: float) -> dict:
    return {"what": "per call", "size": size, "idm": call(idm), "vdm": call(vdm), "textEncoderMs": 20,
            "decodePerFrameMedianMs": vae, "decodeMs": 16 * vae, "peakGpuMiB": 3_000,
            "generation": generation_summary(size, "iv-iv", 2, 10_000)}


def generation(size: int, sampler: str, steps: int, total_ms: float) -> dict:
    return {"what": "generation", "size": size, "sampler": sampler, "steps": steps, "estimateS": total_ms / 1000,
            **generation_summary(size, sampler, steps, total_ms)}


def write(out: Path, name: str, records: list[dict]) -> None:
    (out / name).write_text(json.dumps(records))


def fake_results(out: Path) -> None:
    write(out, "engine-fp16-1.json", [adapter(), load(), per_call(512, 1000, 2000, 100), per_call(256, 250, 500, 25),
                                      generation(256, "ddim", 25, 14_000)])
    write(out, "engine-nchw-1.json", [adapter(), load(layout="NCHW"), per_call(512, 877, 2080, 99),
                                      generation(256, "ddim", 25, 15_000)])
    write(out, "engine-ln-1.json", [adapter(), load(), per_call(512, 950, 1900, 100), per_call(256, 250, 510, 25),
                                    generation(256, "ddim", 25, 13_500)])
    flags = ["enable-dawn-features=vulkan_enable_f16_on_nvidia,disable_robustness"]
    write(out, "engine-norobust-1.json", [adapter(), load(dawn_flags=flags), per_call(256, 200, 450, 30)])


def test_variant_per_call_rows(tmp_path):
    fake_results(tmp_path)
    table = tables(tmp_path, tmp_path)
    assert "| fp16, layout NCHW: IDM / VDM / VAE per frame | 512² | 877.0 / 2,080.0 / 99.0 | – | – | – |" in table
    assert "| fp16, GroupNorm as LayerNorm: IDM / VDM / VAE per frame | 512² | 950.0 / 1,900.0 / 100.0 | – | – | – |" in table
    assert "| fp16, GroupNorm as LayerNorm: IDM / VDM / VAE per frame | 256² | 250.0 / 510.0 / 25.0 | – | – | – |" in table
    assert ("| fp16, Dawn flags enable-dawn-features=vulkan_enable_f16_on_nvidia,disable_robustness: IDM / VDM / VAE per frame "
            "| 256² | 200.0 / 450.0 / 30.0 | – | – | – |") in table
    assert "GroupNorm as LayerNorm (fp16)" not in table
    # The default fp16 run keeps its own columns.
    assert "| IDM, batch 32 (CFG × 16 frames) | 512² | 1,000.0 (n=3) | – | – | – |" in table


def test_relative_change_lines(tmp_path):
    fake_results(tmp_path)
    lines = tables(tmp_path, tmp_path).splitlines()
    expected = [
        "- fp16, layout NCHW at 512²: IDM −12.3 %, VDM +4.0 %, VAE per frame −1.0 % against the default fp16 run.",
        "- fp16, GroupNorm as LayerNorm at 512²: IDM −5.0 %, VDM −5.0 %, VAE per frame +0.0 % against the default fp16 run.",
        "- fp16, GroupNorm as LayerNorm at 256²: IDM +0.0 %, VDM +2.0 %, VAE per frame +0.0 % against the default fp16 run.",
        "- fp16, Dawn flags enable-dawn-features=vulkan_enable_f16_on_nvidia,disable_robustness at 256²: IDM −20.0 %, "
        "VDM −10.0 %, VAE per frame +20.0 % against the default fp16 run.",
    ]
    for line in expected:
        assert line in lines
    # They follow the per-call table, before the whole-generation section; no line for a size the variant lacks.
    generation_heading = lines.index("### Whole generation, 16 frames, CFG batched, default knobs (s)")
    assert all(lines.index(line) < generation_heading for line in expected)
    assert not any(line.startswith("- fp16, layout NCHW at 256²") for line in lines)


def test_variant_generations_are_other_runs(tmp_path):
    fake_results(tmp_path)
    table = tables(tmp_path, tmp_path)
    assert "| 256² | ddim | 25 | fp16, layout NCHW | 15.0 | 0.25 % | 10.0 % | 15 / 3 | 3,000 |" in table
    assert "| 256² | ddim | 25 | fp16, GroupNorm as LayerNorm | 13.5 | 0.25 % | 10.0 % | 15 / 3 | 3,000 |" in table


def test_fp16_alone_has_no_variant_output(tmp_path):
    write(tmp_path, "engine-fp16-1.json", [adapter(), load(), per_call(512, 1000, 2000, 100)])
    table = tables(tmp_path, tmp_path)
    assert "against the default fp16 run" not in table
    assert "IDM / VDM / VAE per frame" not in table
    assert "Other engine runs" not in table


def test_labels_are_exact(tmp_path):
    # A variant labelled fp16-nchw is its own run, not more records of fp16.
    write(tmp_path, "engine-fp16-1.json", [load()])
    write(tmp_path, "engine-fp16-nchw-2.json", [load(layout="NCHW")])
    assert [r["layout"] for r in engine_records(tmp_path, "fp16")] == ["default (NHWC)"]
    assert [r["layout"] for r in engine_records(tmp_path, "fp16-nchw")] == ["NCHW"]


def test_description_falls_back_to_the_label():
    assert describe_variant("rerun", [load()]) == "rerun"
    assert describe_variant("rerun", []) == "rerun"
    assert describe_variant("ln", []) == "fp16, GroupNorm as LayerNorm"
    assert describe_variant("both", [load(layout="NCHW", dawn_flags=[])]) == "fp16, layout NCHW, Dawn flags none"
