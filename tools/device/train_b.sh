#!/usr/bin/env bash
# GPU machine, call 2 of 2: train the video UNet, export the pack (fp32, checked against PyTorch), run the
# exporter's tests. Uses runs/tiny from call 1, or .carry/tiny_a.tgz when this is a fresh machine.
set -euo pipefail
export PYTHONPATH="$PWD/.carry:$PWD" PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT" runs
if [ ! -d runs/tiny/unet ]; then tar xzf .carry/tiny_a.tgz -C runs; fi
python3 -m tools.tinyworld.train --out runs/tiny --stages vdm --max-seconds 390 2>&1 | grep -v -i "warn\|shards" | tee "$OUT/train_vdm.log"
python3 -m tools.tinyworld.pack_info runs/tiny > runs/info.json
python3 -m tools.export.export_pack --sd runs/tiny --motion-unet runs/tiny/motion_unet --out runs/pack \
  --precision fp32 --resolution 64 --frames 16 --id tinyworld-v1 --name "Tiny world" \
  --description "Coloured shapes moving in named directions: a small text-to-video world trained for this app (VAE, text encoder, image UNet, AnimateDiff-style video UNet)." \
  --info runs/info.json 2>&1 | grep -v -i "warn\|shards\|^  " | tee "$OUT/export.log"
python3 -m pytest -q tools/export/test_export.py 2>&1 | tail -5 | tee "$OUT/pytest.log"
cp runs/tiny/vdm_samples.png runs/tiny/idm_samples.png "$OUT/" 2>/dev/null || true
cp runs/tiny/train_log.jsonl "$OUT/"
tar czf "$OUT/pack.tgz" -C runs pack pack-export-check.json
tar czf "$OUT/tiny_b.tgz" -C runs tiny
