#!/usr/bin/env bash
# GPU machine: the exporter's tests (small random configs: fp32 fused, plain, fp16 with fp32 norms, checks),
# then the tinyworld-v2 pack exported from .carry/v2final (the run folder train_v2.sh + finish_v2.sh made:
# v1 VAE and text encoder, v2 image and video UNets), fused (the default) and plain, both fp32.
set -uo pipefail
source tools/device/env.sh
OUT=${OUT:-/tmp/out}; RUNS=${RUNS:-/tmp/tinyruns}; mkdir -p "$OUT" "$RUNS"
python3 -m pytest -q tools/export/test_export.py 2>&1 | grep -v -i "warn" | tail -n 25 > "$OUT/pytest.log"
cat "$OUT/pytest.log"
python3 -m tools.tinyworld.pack_info .carry/v2final > "$RUNS/info.json"
export_tiny() {
  python3 -m tools.export.export_pack --sd .carry/v2final --motion-unet .carry/v2final/motion_unet --out "$RUNS/$1" \
    --precision fp32 --resolution 64 --frames 16 --id tinyworld-v2 --name "Tiny world" \
    --description "Coloured shapes moving in named directions: a small text-to-video world trained for this app (VAE, text encoder, image UNet, AnimateDiff-style video UNet)." \
    --info "$RUNS/info.json" "${@:2}" 2>&1 | grep -v -i "warn\|shards\|^  \|Loading weights\|kept in float32"
}
export_tiny pack | tee "$OUT/export_fused.log"
export_tiny pack-plain --no-fuse | tee "$OUT/export_plain.log"
tar czf "$OUT/packs.tgz" -C "$RUNS" pack pack-plain $(cd "$RUNS" && ls *-export-check.json *-optimize.json 2>/dev/null)
ls -la "$OUT"
