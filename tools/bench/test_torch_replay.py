"""The PyTorch benchmark's plan replay against the TypeScript core (tests/fixtures/plan-replay/cases.json, kept
equal to the core by tests/cli/plan-replay.test.ts): same fake models, same final latents. Runs on the CPU with
any torch, without diffusers:  python3 -m unittest tools.bench.test_torch_replay
"""
from __future__ import annotations

import json
import unittest
from pathlib import Path

import torch

from .torch_bench import frames_to_video, replay, text_rows, video_to_frames

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "plan-replay" / "cases.json"


def fake_predict(model: str, x: torch.Tensor, t: int, rows: torch.Tensor) -> torch.Tensor:
    """out[r] = scale·x[r] + (0.001·t + 0.01·text[r][0]) in float32 (the fixture's model)."""
    scale = torch.tensor(0.2 if model == "image" else 0.1, dtype=torch.float32)
    k = torch.tensor(0.001 * t, dtype=torch.float32) + torch.tensor(0.01, dtype=torch.float32) * rows[:, 0, 0]
    return scale * x + k.reshape(-1, *([1] * (x.dim() - 1)))


class ReplayTest(unittest.TestCase):
    def test_layouts_round_trip(self):
        x = torch.arange(2 * 4 * 3 * 2 * 2, dtype=torch.float32).reshape(2, 4, 3, 2, 2)
        frames = video_to_frames(x)
        self.assertEqual(tuple(frames.shape), (6, 4, 2, 2))
        self.assertTrue(torch.equal(frames[4], x[1, :, 1]))  # (b f) order: batch 1, frame 1
        self.assertTrue(torch.equal(frames_to_video(frames, 2), x))

    def test_text_rows_per_model(self):
        u, c = torch.zeros(1, 2, 3), torch.ones(1, 2, 3)
        rows = text_rows(u, c, 4, cfg=True)
        self.assertEqual(tuple(rows["video"].shape), (2, 2, 3))
        self.assertEqual(rows["image"][:, 0, 0].tolist(), [0, 0, 0, 0, 1, 1, 1, 1])

    def test_replay_matches_the_typescript_core(self):
        cases = json.loads(FIXTURE.read_text())["cases"]
        self.assertGreaterEqual(len(cases), 2)
        for case in cases:
            plan = case["plan"]
            shape = case["shape"]
            init = torch.tensor(case["initLatents"], dtype=torch.float32).reshape(shape)
            u = torch.zeros(shape[0], 2, 3)
            c = torch.ones(shape[0], 2, 3)
            got = replay(plan, init, text_rows(u, c, shape[2], plan["cfg"]), fake_predict)
            want = torch.tensor(case["expected"], dtype=torch.float32).reshape(shape)
            rel = ((got - want).abs().max() / want.abs().max()).item()
            with self.subTest(sampler=plan["settings"]["variant"], steps=plan["settings"]["steps"]):
                self.assertEqual(len(plan["subSteps"]), plan["modelCalls"]["image"] + plan["modelCalls"]["video"])
                self.assertLess(rel, 1e-6)

    def test_refuses_other_formats(self):
        with self.assertRaises(ValueError):
            replay({"format": "other"}, torch.zeros(1, 4, 2, 2, 2), {}, fake_predict)


if __name__ == "__main__":
    unittest.main()
