"""Manifest fields of the tiny pack that the graphs do not carry (preview map, defaults, prompts, license).

    python -m tools.tinyworld.pack_info runs/tiny > runs/info.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .world import load_world


def pack_info(run_dir: Path) -> dict:
    world = load_world()
    preview = json.loads((run_dir / "preview.json").read_text())
    return {
        "license": "MIT",
        "nativeResolution": {"width": world["size"], "height": world["size"]},
        "frames": {"default": world["frames"], "max": 32},
        "preview": {"latentToRgb": preview["latentToRgb"], "bias": preview["bias"]},
        "defaults": {"steps": 25, "guidanceScale": 7.5, "sampler": "iv-iv"},
        "suggestedPrompts": [
            "a red circle moving left on a black background",
            "a yellow square moving up on a navy background",
            "a white triangle moving right on a maroon background",
            "a green diamond moving down on a gray background",
            "a purple circle moving right on a gray background",
            "a orange square moving down on a black background",  # the world has no "an"
        ],
    }


if __name__ == "__main__":
    print(json.dumps(pack_info(Path(sys.argv[1])), indent=1))
