#!/usr/bin/env bash
# GPU machine, call 1 of 2: train the VAE, then the text encoder + image UNet. Checkpoints stay in runs/tiny
# (and come back as $OUT/tiny_a.tgz in case the next call gets a fresh machine).
set -euo pipefail
export PYTHONPATH="$PWD/.carry:$PWD" PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT" runs
rm -rf runs/tiny
python3 -m tools.tinyworld.train --out runs/tiny --stages vae --max-seconds 150 2>&1 | grep -v -i "warn\|shards" | tee "$OUT/train_vae.log"
python3 -m tools.tinyworld.train --out runs/tiny --stages idm --max-seconds 330 2>&1 | grep -v -i "warn\|shards" | tee "$OUT/train_idm.log"
cp runs/tiny/idm_samples.png "$OUT/"
tar czf "$OUT/tiny_a.tgz" -C runs tiny
