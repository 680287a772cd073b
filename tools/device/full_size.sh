#!/usr/bin/env bash
# GPU machine: the full-size random-weight export (SD1.5 UNet + AnimateDiff v1-5-2 adapter, 512², 16 frames),
# fp16 with fused attention and fp32 normalisation, every part checked against PyTorch fp16. Runs detached
# (setsid) because it can outlast one device call; its log is /tmp/fullsize/log, the pack /tmp/fullsize/pack, and
# /tmp/fullsize/pack-fp32 the same fused graphs before their fp16 conversion (the fp32 rows of the speed table).
source tools/device/env.sh
rm -rf /tmp/fullsize && mkdir -p /tmp/fullsize
setsid nohup bash -c 't0=$(date +%s); python3 -m tools.export.random_full_size --work /tmp/fullsize/work --out /tmp/fullsize/pack --fp32-copy /tmp/fullsize/pack-fp32 > /tmp/fullsize/log 2>&1; echo "exit $? after $(( $(date +%s) - t0 )) s" >> /tmp/fullsize/log' > /dev/null 2>&1 &
echo "started full-size export"
