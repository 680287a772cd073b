#!/usr/bin/env bash
# GPU machine, tinyworld-v2 training (one call): starts from tinyworld-v1's VAE, text encoder and image UNet
# (.carry/tiny_a.tgz, the checkpoints train_a.sh wrote) and trains, at the same time on the one GPU:
#   - the image UNet further (text encoder frozen), into $RUNS/idm2;
#   - a new video UNet from v1's image UNet with faster-learning motion modules, into $RUNS/vdm2.
# Both use v1's text encoder unchanged, so the two UNets stay compatible in one pack.
set -euo pipefail
source tools/device/env.sh
# Runs live outside the repo: the device tool may replace the repo's ignored folders between calls.
OUT=${OUT:-/tmp/out}; RUNS=${RUNS:-/tmp/tinyruns}; mkdir -p "$OUT" "$RUNS"
CAP=${CAP:-470}
rm -rf "$RUNS"/tiny "$RUNS"/idm2 "$RUNS"/vdm2
tar xzf .carry/tiny_a.tgz -C "$RUNS"
python3 -m tools.tinyworld.train --out /tmp/smoke2 --init-from "$RUNS"/tiny --stages idm,vdm --resume-idm --freeze-text-encoder \
  --steps-idm 3 --steps-vdm 3 --batch-idm 64 --batch-vdm 4 > "$OUT/smoke_v2.log" 2>&1 || { tail -30 "$OUT/smoke_v2.log"; exit 1; }
python3 -m tools.tinyworld.train --seed 2 --out "$RUNS"/idm2 --init-from "$RUNS"/tiny --stages idm --resume-idm --freeze-text-encoder \
  --steps-idm 2500 --lr-idm 2e-4 --max-seconds "$CAP" 2>&1 | grep -v -i "warn\|shards" > "$OUT/train_idm2.log" &
python3 -m tools.tinyworld.train --seed 2 --out "$RUNS"/vdm2 --init-from "$RUNS"/tiny --stages vdm \
  --steps-vdm 2800 --lr-motion 6e-4 --max-seconds "$CAP" 2>&1 | grep -v -i "warn\|shards" > "$OUT/train_vdm2.log" &
wait
tail -n 3 "$OUT/train_idm2.log" "$OUT/train_vdm2.log"
cp "$RUNS"/idm2/idm_samples.png "$OUT/idm2_samples.png"; cp "$RUNS"/vdm2/vdm_samples.png "$OUT/vdm2_samples.png"
tar czf "$OUT/tiny_v2.tgz" -C "$RUNS" idm2/unet idm2/train_log.jsonl idm2/preview.json vdm2/motion_unet vdm2/train_log.jsonl
ls -la "$OUT"
