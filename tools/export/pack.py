"""Write a model pack in the engine's layout (diffusers-ONNX folders + manifest.json, format ivmix-pack/1;
the TypeScript validator is src/runtime/pack/manifest.ts)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

PACK_FORMAT = "ivmix-pack/1"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _component(parts: dict[str, list[str]], folder: str) -> dict:
    names = parts[folder]
    return {"model": f"{folder}/model.onnx", "externalData": [f"{folder}/{n}" for n in names if n != "model.onnx"]}


def write_manifest(pack_dir: Path, *, pack_id: str, name: str, description: str, parts: dict[str, list[str]], info: dict) -> dict:
    """parts: folder -> files written by the exporter; info: the numbers the graphs do not carry."""
    files = []
    for path in sorted(p for p in pack_dir.rglob("*") if p.is_file() and p.name != "manifest.json"):
        rel = path.relative_to(pack_dir).as_posix()
        files.append({"path": rel, "size": path.stat().st_size, "sha256": sha256_of(path)})
    components = {
        "textEncoder": _component(parts, "text_encoder"),
        "tokenizer": {"json": "tokenizer/tokenizer.json"},
        "videoUnet": _component(parts, "motion_unet"),
        "vaeDecoder": _component(parts, "vae_decoder"),
        "scheduler": {"config": "scheduler/scheduler_config.json"},
    }
    if (pack_dir / "tokenizer" / "tokenizer_config.json").exists():
        components["tokenizer"]["config"] = "tokenizer/tokenizer_config.json"
    if (pack_dir / "tokenizer" / "special_tokens_map.json").exists():
        components["tokenizer"]["specialTokensMap"] = "tokenizer/special_tokens_map.json"
    if (pack_dir / "scheduler" / "inverse_scheduler_config.json").exists():
        components["scheduler"]["inverseConfig"] = "scheduler/inverse_scheduler_config.json"
    if "unet" in parts:
        components["imageUnet"] = _component(parts, "unet")
    manifest = {
        "format": PACK_FORMAT,
        "id": pack_id,
        "name": name,
        "description": description,
        **({"license": info["license"]} if "license" in info else {}),
        "files": files,
        "components": components,
        "latentChannels": info["latentChannels"],
        "vaeScalingFactor": info["vaeScalingFactor"],
        "nativeResolution": info["nativeResolution"],
        "frames": info["frames"],
        "textEmbeddingWidth": info["textEmbeddingWidth"],
        "precision": info["precision"],
        "videoTextEmbeddings": "per-video",
        "tokenizer": info["tokenizer"],
        **{k: info[k] for k in ("preview", "defaults", "suggestedPrompts") if k in info},
    }
    (pack_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
