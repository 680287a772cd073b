#!/usr/bin/env bash
# GPU machine, tinyworld-v2 second call: continue the video UNet of train_v2.sh (motion modules at a higher
# learning rate than the spatial layers), assemble the pack's run folder (v1 VAE + text encoder, v2 image UNet,
# v2 video UNet), export it (fp32, every part checked against PyTorch) and run the exporter's tests.
# Inputs: .carry/v2 (idm2/, vdm2/ from train_v2.sh's tiny_v2.tgz) and .carry/tiny_a.tgz (v1 VAE, text encoder).
set -euo pipefail
source tools/device/env.sh
OUT=${OUT:-/tmp/out}; RUNS=${RUNS:-/tmp/tinyruns}; mkdir -p "$OUT" "$RUNS"
CAP=${CAP:-330}
rm -rf "$RUNS"/tiny "$RUNS"/v2; mkdir -p "$RUNS"/v2
tar xzf .carry/tiny_a.tgz -C "$RUNS"
cp -r .carry/v2/vdm2/motion_unet "$RUNS"/v2/motion_unet
cp -r .carry/v2/idm2/unet "$RUNS"/v2/unet
cp .carry/v2/idm2/train_log.jsonl "$RUNS"/v2/train_log_idm2.jsonl; cp .carry/v2/vdm2/train_log.jsonl "$RUNS"/v2/train_log_vdm2.jsonl
python3 -m tools.tinyworld.train --seed 3 --out "$RUNS"/v2 --init-from "$RUNS"/tiny --stages vdm --resume-vdm \
  --steps-vdm 2300 --lr-vdm 1e-4 --lr-motion 5e-4 --max-seconds "$CAP" 2>&1 | grep -v -i "warn\|shards" > "$OUT/train_vdm3.log"
tail -n 3 "$OUT/train_vdm3.log"
python3 -m tools.tinyworld.pack_info "$RUNS"/v2 > "$RUNS"/info.json
python3 -m tools.export.export_pack --sd "$RUNS"/v2 --motion-unet "$RUNS"/v2/motion_unet --out "$RUNS"/pack \
  --precision fp32 --resolution 64 --frames 16 --id tinyworld-v2 --name "Tiny world" \
  --description "Coloured shapes moving in named directions: a small text-to-video world trained for this app (VAE, text encoder, image UNet, AnimateDiff-style video UNet)." \
  --info "$RUNS"/info.json 2>&1 | grep -v -i "warn\|shards\|^  " | tee "$OUT/export.log"
python3 -m pytest -q tools/export/test_export.py 2>&1 | tail -n 5 | tee "$OUT/pytest.log"
cp "$RUNS"/v2/vdm_samples.png "$OUT/vdm3_samples.png" || true
cat "$RUNS"/v2/train_log_idm2.jsonl "$RUNS"/v2/train_log_vdm2.jsonl "$RUNS"/v2/train_log.jsonl > "$OUT/train_log_v2.jsonl"
tar czf "$OUT/pack.tgz" -C "$RUNS" pack $(cd "$RUNS" && ls pack-export-check.json 2>/dev/null)
tar czf "$OUT/tiny_v2b.tgz" -C "$RUNS" v2/motion_unet
ls -la "$OUT"
