"""compare_outputs.py pairs the fp16 and fp32 runs of the same request and measures their difference."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tools.bench.compare_outputs import compare, merge


def _write(folder: Path, stem: str, latents: np.ndarray, frames: np.ndarray) -> None:
    latents.astype(np.float32).tofile(folder / f"{stem}.latents.f32")
    frames.astype(np.uint8).tofile(folder / f"{stem}.frames.rgba")


def test_pairs_requests_and_measures(tmp_path: Path):
    lat = np.linspace(-2, 2, 64)
    frames = np.full((2, 2, 2, 4), 100)
    _write(tmp_path, "engine-fp32-17-256-iv-iv-25", lat, frames)
    moved = frames.copy()
    moved[0, 0, 0, 1] = 112  # one green value 12 LSB off; alpha differences are not counted
    moved[1, 1, 1, 3] = 0
    _write(tmp_path, "engine-fp16-18-256-iv-iv-25", lat + np.where(np.arange(64) == 5, 0.01, 0.0), moved)
    _write(tmp_path, "engine-fp16-18-512-ddim-25", lat, frames)  # no fp32 partner: not listed
    rows = compare(tmp_path)
    assert [r["request"] for r in rows] == ["256-iv-iv-25"]
    r = rows[0]
    assert abs(r["latents_max_abs"] - 0.01) < 1e-6 and r["latents_max_ref"] == 2.0
    assert r["frames_max_lsb"] == 12 and abs(r["frames_over_8_lsb_pct"] - 100 / 24) < 1e-9


def test_merge_keeps_other_pairs_and_replaces_the_same(tmp_path: Path):
    path = tmp_path / "compare.json"
    a = {"reference": "fp32", "other": "fp16", "request": "256-iv-iv-25", "frames_max_lsb": 7}
    b = {"reference": "fp16", "other": "capture", "request": "256-iv-iv-25", "frames_max_lsb": 1}
    path.write_text(json.dumps([a, b]))
    b2 = {**b, "frames_max_lsb": 0}
    assert merge(path, [b2]) == [a, b2]
    assert merge(tmp_path / "absent.json", [a]) == [a]
