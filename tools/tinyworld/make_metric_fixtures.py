"""Rendered tiny-world videos with known captions, for the TypeScript quality-metric tests
(tests/fixtures/tinyworld). Sharp and degraded versions of the same scenes.

    python3 -m tools.tinyworld.make_metric_fixtures tests/fixtures/tinyworld
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

from .world import TinyWorld


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    world = TinyWorld()
    g = torch.Generator().manual_seed(2026)
    caps = world.sample_captions(6, g, short_prob=0.0)
    sharp = world.render(caps, g)
    degraded = world.degrade(sharp, g)
    index = []
    for i, text in enumerate(caps.texts):
        for kind, video in (("sharp", sharp[i]), ("degraded", degraded[i])):
            rgb = ((video.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).contiguous()  # F, H, W, 3
            name = f"{i:02d}-{kind}.rgb"
            (out / name).write_bytes(rgb.numpy().tobytes())
            index.append({"file": name, "prompt": text, "kind": kind, "frames": rgb.shape[0], "height": rgb.shape[1], "width": rgb.shape[2]})
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
