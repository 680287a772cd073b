"""Two engine runs of the same request compared: the final latents and frames that fullsize-bench's `:save` stages
wrote (engine-<label>-<call>-<size>-<sampler>-<steps>.latents.f32 / .frames.rgba), by default the fp16 pack against
its fp32 copy; other labels compare e.g. pinned shapes or graph capture against the dynamic-shape fp16 run.
Prints one line per request and merges the rows into compare.json beside them (a row per reference, other label
and request; a new comparison of the same pair replaces its rows), which gpu_table.py puts in the table.

    python -m tools.bench.compare_outputs <results dir> [reference label (fp32)] [other label (fp16)]
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np

NAME = re.compile(r"^engine-(?P<label>[a-z0-9]+)-\d+-(?P<request>\d+-[a-z-]+-\d+)\.latents\.f32$")


def _newest(folder: Path, label: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(folder.glob(f"engine-{label}-*.latents.f32")):
        m = NAME.match(path.name)
        if m and m["label"] == label:
            found[m["request"]] = path.with_name(path.name.removesuffix(".latents.f32"))
    return found


def compare(folder: Path, reference: str = "fp32", other: str = "fp16") -> list[dict]:
    refs, others = _newest(folder, reference), _newest(folder, other)
    rows = []
    for request in sorted(refs.keys() & others.keys()):
        a = np.fromfile(f"{refs[request]}.latents.f32", dtype=np.float32)
        b = np.fromfile(f"{others[request]}.latents.f32", dtype=np.float32)
        fa = np.fromfile(f"{refs[request]}.frames.rgba", dtype=np.uint8).astype(np.int16)
        fb = np.fromfile(f"{others[request]}.frames.rgba", dtype=np.uint8).astype(np.int16)
        lsb = np.abs(fa - fb)
        rgb = lsb.reshape(-1, 4)[:, :3]
        rows.append({
            "request": request, "reference": reference, "other": other,
            "latents_max_abs": float(np.abs(a - b).max()), "latents_max_ref": float(np.abs(a).max()),
            "latents_rel": float(np.abs(a - b).max() / max(float(np.abs(a).max()), 1e-12)),
            "latents_rms_rel": float(np.sqrt(np.mean((a - b) ** 2)) / max(float(np.sqrt(np.mean(a ** 2))), 1e-12)),
            "frames_max_lsb": int(rgb.max()), "frames_mean_lsb": float(rgb.mean()),
            "frames_over_8_lsb_pct": float((rgb > 8).mean() * 100),
        })
    return rows


def merge(path: Path, rows: list[dict]) -> list[dict]:
    """The rows already in `path`, less those of the pairs and requests in `rows`, then `rows`."""
    key = lambda r: (r["reference"], r["other"], r["request"])  # noqa: E731
    new = {key(r) for r in rows}
    old = json.loads(path.read_text()) if path.exists() else []
    return [r for r in old if key(r) not in new] + rows


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0])
    rows = compare(folder, *(args[1:3]))
    (folder / "compare.json").write_text(json.dumps(merge(folder / "compare.json", rows), indent=1))
    for r in rows:
        print(f"{r['request']}: {r['other']} vs {r['reference']}: latents max|Δ| {r['latents_max_abs']:.3g} "
              f"(max|ref| {r['latents_max_ref']:.3g}, rel {r['latents_rel']:.2e}, rms rel {r['latents_rms_rel']:.2e}); "
              f"frames max {r['frames_max_lsb']} LSB, mean {r['frames_mean_lsb']:.2f} LSB, {r['frames_over_8_lsb_pct']:.2f} % over 8 LSB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
