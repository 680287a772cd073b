"""The tiny synthetic text-to-video world: captions, a deterministic GPU renderer, and its tokenizer.

Everything is generated from seeds, never downloaded. world.json (shared with the TypeScript quality
benchmark) defines the vocabulary, the colours and the render parameters.

Sharp frames (for the image model) have crisp anti-aliased edges and a dark 1.5 px outline; degraded
videos (for the video model) are blurred, desaturated, lower in contrast and noisy, but move exactly the
same way. So the paper's premise holds in miniature: the image model can draw better frames, the video
model knows the motion.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

WORLD_FILE = Path(__file__).with_name("world.json")
MAX_LENGTH = 77
BOS, EOS = "<|startoftext|>", "<|endoftext|>"


def load_world(path: Path = WORLD_FILE) -> dict:
    return json.loads(path.read_text())


@dataclass
class Captions:
    """A batch of sampled scene attributes; captions are derived from them."""

    colour: torch.Tensor  # [B] index into world colours
    shape: torch.Tensor  # [B] index into world shapes
    direction: torch.Tensor  # [B]
    background: torch.Tensor  # [B]
    short: torch.Tensor  # [B] bool: caption without the background clause
    world: "TinyWorld"

    @property
    def texts(self) -> list[str]:
        rows = zip(self.colour.tolist(), self.shape.tolist(), self.direction.tolist(), self.background.tolist(), self.short.tolist())
        return [self.world.caption(c, s, d, b, bool(sh)) for c, s, d, b, sh in rows]

    def combination(self) -> torch.Tensor:
        """Index of each caption in the world's table of all captions (see TinyWorld.caption_ids)."""
        w = self.world
        idx = self.colour
        for value, n in ((self.shape, len(w.shape_names)), (self.direction, len(w.direction_names)), (self.background, len(w.background_names))):
            idx = idx * n + value
        return idx * 2 + self.short.long()


class TinyWorld:
    def __init__(self, world: dict | None = None, device: str | torch.device = "cpu"):
        self.world = world or load_world()
        self.device = torch.device(device)
        w = self.world
        self.colour_names = list(w["colours"])
        self.shape_names = list(w["shapes"])
        self.direction_names = list(w["directions"])
        self.background_names = list(w["backgrounds"])
        self.colours = torch.tensor([w["colours"][c] for c in self.colour_names], dtype=torch.float32, device=self.device) / 255.0
        self.backgrounds = (
            torch.tensor([w["backgrounds"][b] for b in self.background_names], dtype=torch.float32, device=self.device) / 255.0
        )
        self.directions = torch.tensor([w["directions"][d] for d in self.direction_names], dtype=torch.float32, device=self.device)
        self.size = int(w["size"])
        self.frames = int(w["frames"])
        self.vocab = self._vocabulary()
        self._caption_table: torch.Tensor | None = None
        self._empty_ids: torch.Tensor | None = None

    # ------------------------------------------------------------------ captions
    def caption(self, colour: int, shape: int, direction: int, background: int, short: bool = False) -> str:
        template = self.world["short_template" if short else "template"]
        return template.format(
            colour=self.colour_names[colour],
            shape=self.shape_names[shape],
            direction=self.direction_names[direction],
            background=self.background_names[background],
        )

    def sample_captions(self, batch: int, generator: torch.Generator, short_prob: float = 0.3) -> Captions:
        def pick(n: int) -> torch.Tensor:
            return torch.randint(n, (batch,), generator=generator, device=self.device)

        colour, shape = pick(len(self.colour_names)), pick(len(self.shape_names))
        direction, background = pick(len(self.direction_names)), pick(len(self.background_names))
        short = torch.rand(batch, generator=generator, device=self.device) < short_prob
        return Captions(colour, shape, direction, background, short, self)

    def caption_ids(self, caps: Captions, drop: torch.Tensor | None = None) -> torch.Tensor:
        """Token ids [B, 77] of the captions from a precomputed table (no per-sample Python work in the
        training loop); rows where `drop` is true get the empty prompt (for classifier-free guidance)."""
        if self._caption_table is None:
            all_caps = [
                self.caption(c, s, d, b, short)
                for c in range(len(self.colour_names))
                for s in range(len(self.shape_names))
                for d in range(len(self.direction_names))
                for b in range(len(self.background_names))
                for short in (False, True)
            ]
            self._caption_table = self.tokenize(all_caps)
            self._empty_ids = self.tokenize([""])
        ids = self._caption_table[caps.combination()]
        if drop is not None:
            ids = torch.where(drop[:, None], self._empty_ids, ids)
        return ids

    # ------------------------------------------------------------------ rendering
    def render(self, caps: Captions, generator: torch.Generator, frames: int | None = None) -> torch.Tensor:
        """Sharp videos [B, F, 3, H, W] in [-1, 1]."""
        B = caps.colour.shape[0]
        Fn = frames or self.frames
        S = self.size
        r = self.world["render"]
        dev = self.device

        def uniform(lo: float, hi: float) -> torch.Tensor:
            return lo + (hi - lo) * torch.rand(B, generator=generator, device=dev)

        half = uniform(*r["half_size"])
        speed = uniform(*r["speed_px_per_frame"])
        d = self.directions[caps.direction]  # [B, 2] (x, y), y down
        travel = speed * (Fn - 1)
        # Along the motion axis: centred travel around a jittered middle; across it: anywhere that fits.
        mid = S / 2 + uniform(-6, 6)
        across = half + 2 + torch.rand(B, generator=generator, device=dev) * (S - 2 * (half + 2))
        start_along = mid - travel / 2
        t = torch.arange(Fn, device=dev, dtype=torch.float32)
        along = start_along[:, None] + speed[:, None] * t[None, :]  # [B, F]
        horizontal = d[:, 0].abs() > 0
        sign = torch.where(horizontal, d[:, 0], d[:, 1])
        along = torch.where(sign[:, None] > 0, along, S - along)
        cx = torch.where(horizontal[:, None], along, across[:, None].expand(-1, Fn))
        cy = torch.where(horizontal[:, None], across[:, None].expand(-1, Fn), along)

        ys, xs = torch.meshgrid(torch.arange(S, device=dev) + 0.5, torch.arange(S, device=dev) + 0.5, indexing="ij")
        dx = xs[None, None] - cx[:, :, None, None]  # [B, F, H, W]
        dy = ys[None, None] - cy[:, :, None, None]
        h = half[:, None, None, None]
        sdf = torch.stack(
            [
                torch.sqrt(dx * dx + dy * dy) - h,  # circle
                torch.maximum(dx.abs(), dy.abs()) - 0.85 * h,  # square
                _triangle_sdf(dx, dy, h),  # triangle (pointing up)
                (dx.abs() + dy.abs()) / math.sqrt(2) - 0.8 * h,  # diamond
            ],
            dim=0,
        )
        sdf = sdf.gather(0, caps.shape[None, :, None, None, None].expand(1, B, Fn, S, S))[0]
        coverage = (0.5 - sdf).clamp(0, 1)  # 1 px anti-aliased edge
        inner = (-sdf - r["outline_px"]).clamp(-0.5, 0.5) + 0.5  # 0 on the outline ring, 1 inside it
        fill = self.colours[caps.colour][:, None, :, None, None]  # [B,1,3,1,1]
        outline = fill * r["outline_darken"]
        shape_rgb = outline + (fill - outline) * inner[:, :, None]
        bg = self.backgrounds[caps.background][:, None, :, None, None]
        img = bg + (shape_rgb - bg) * coverage[:, :, None]
        return img * 2 - 1

    def degrade(self, video: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Lower the visual quality of videos [B, F, 3, H, W] in [-1, 1]; the motion is untouched."""
        g = self.world["degrade"]
        B = video.shape[0]
        sigma = g["blur_sigma_px"][0] + (g["blur_sigma_px"][1] - g["blur_sigma_px"][0]) * torch.rand(
            B, generator=generator, device=self.device
        )
        x = (video + 1) / 2
        x = _gaussian_blur(x, sigma)
        grey = x.mean(dim=2, keepdim=True)
        x = grey + (x - grey) * (1 - g["desaturate"])
        x = 0.5 + (x - 0.5) * g["contrast"]
        x = x + g["noise_std"] * torch.randn(x.shape, generator=generator, device=self.device)
        return (x.clamp(0, 1) * 2 - 1).contiguous()

    # ------------------------------------------------------------------ tokenizer
    def _vocabulary(self) -> dict[str, int]:
        words: list[str] = []
        for template in (self.world["template"], self.world["short_template"]):
            for token in template.replace("{", " {").replace("}", "} ").split():
                if not token.startswith("{") and token not in words:
                    words.append(token)
        for group in (self.colour_names, self.shape_names, self.direction_names, self.background_names):
            words.extend(w for w in group if w not in words)
        vocab = {"<unk>": 0}
        for w in words:
            vocab[w] = len(vocab)
        vocab[BOS] = len(vocab)
        vocab[EOS] = len(vocab)
        return vocab

    def tokenize(self, texts: list[str]) -> torch.Tensor:
        """CLIP-style ids [B, 77]: BOS, words, EOS, then EOS as padding (what tokenizer.json produces)."""
        out = torch.full((len(texts), MAX_LENGTH), self.vocab[EOS], dtype=torch.long)
        for i, text in enumerate(texts):
            ids = [self.vocab.get(w, 0) for w in text.lower().split()][: MAX_LENGTH - 2]
            row = [self.vocab[BOS], *ids, self.vocab[EOS]]
            out[i, : len(row)] = torch.tensor(row)
        return out.to(self.device)

    def tokenizer_json(self) -> dict:
        """A Hugging Face tokenizers tokenizer.json (word level) that reproduces `tokenize`."""
        bos, eos = self.vocab[BOS], self.vocab[EOS]
        return {
            "version": "1.0",
            "truncation": {"direction": "Right", "max_length": MAX_LENGTH, "strategy": "LongestFirst", "stride": 0},
            "padding": None,
            "added_tokens": [
                {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
                for t, i in (("<unk>", 0), (BOS, bos), (EOS, eos))
            ],
            "normalizer": {"type": "Lowercase"},
            "pre_tokenizer": {"type": "WhitespaceSplit"},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": BOS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": EOS, "type_id": 0}}],
                "pair": [
                    {"SpecialToken": {"id": BOS, "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}},
                    {"Sequence": {"id": "B", "type_id": 0}},
                    {"SpecialToken": {"id": EOS, "type_id": 0}},
                ],
                "special_tokens": {BOS: {"id": BOS, "ids": [bos], "tokens": [BOS]}, EOS: {"id": EOS, "ids": [eos], "tokens": [EOS]}},
            },
            "decoder": None,
            "model": {"type": "WordLevel", "vocab": self.vocab, "unk_token": "<unk>"},
        }

    def tokenizer_config(self) -> dict:
        return {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": MAX_LENGTH,
            "bos_token": BOS,
            "eos_token": EOS,
            "pad_token": EOS,
            "unk_token": "<unk>",
        }


def _triangle_sdf(dx: torch.Tensor, dy: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """Signed distance (max over edge half-planes) to an upward triangle of half-size h (y grows down)."""
    verts = [(0.0, -1.0), (-1.0, 0.75), (1.0, 0.75)]
    d = None
    for (x0, y0), (x1, y1) in zip(verts, verts[1:] + verts[:1]):
        ex, ey = x1 - x0, y1 - y0
        nx, ny = -ey, ex  # outward normal for this winding (screen coordinates, y down)
        norm = math.hypot(nx, ny)
        nx, ny = nx / norm, ny / norm
        dist = (dx - x0 * h) * nx + (dy - y0 * h) * ny
        d = dist if d is None else torch.maximum(d, dist)
    return d


def _gaussian_blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Separable Gaussian blur of [B, F, C, H, W] with one sigma per video."""
    B, Fn, C, H, W = x.shape
    radius = 4
    offs = torch.arange(-radius, radius + 1, device=x.device, dtype=torch.float32)
    k = torch.exp(-0.5 * (offs[None] / sigma[:, None]) ** 2)
    k = k / k.sum(dim=1, keepdim=True)  # [B, K]
    flat = x.reshape(1, B * Fn * C, H, W)
    kk = k.repeat_interleave(Fn * C, dim=0)  # one kernel per channel
    flat = F.pad(flat, (radius, radius, 0, 0), mode="replicate")
    flat = F.conv2d(flat, kk[:, None, None, :], groups=B * Fn * C)
    flat = F.pad(flat, (0, 0, radius, radius), mode="replicate")
    flat = F.conv2d(flat, kk[:, None, :, None], groups=B * Fn * C)
    return flat.reshape(B, Fn, C, H, W)
