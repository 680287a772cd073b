#!/usr/bin/env bash
# GPU machine, one short call (about a minute; no export, no PyTorch): the parity fixture through the engine on the
# H100 in fp32 and after the exporter's own passes (attention fused; then fp16 with normalisation in fp32, the text
# encoder fp16 with fp32 inputs and outputs, the VAE decoder fp32, as export_pack.py makes the product's packs),
# each against the official reference latents and frames (scripts/dawn/parity-bench.ts). Issue 5: "fp16 where it
# is numerically safe, checked against fp32 on the parity fixture".
#
# Here first: node scripts/dawn/build-bench.mjs .dawn/bench. Device command: bash tools/device/parity_fp16.sh,
# carrying .dawn, .gl and .carry/diffusers.tar.xz (env.sh puts it on PYTHONPATH; optimize.py needs only onnx and
# onnxruntime's transformers package, which the machine has). Writes $OUT/parity.jsonl and $OUT/convert.log.
set -uo pipefail
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
source tools/device/env.sh
FIXTURE=$PWD/tests/fixtures/parity-v1
W=/tmp/parity16
rm -rf "$W" && mkdir -p "$W"
cp -r "$FIXTURE/models" "$W/fused16"
cp -r "$FIXTURE/models" "$W/fused32"
python3 - "$W" > "$OUT/convert.log" 2>&1 <<'PY'
import sys
from pathlib import Path

from tools.export.optimize import convert_float16, convert_float16_unfused, optimize_unet

work = Path(sys.argv[1])
for part in ("unet", "motion_unet"):
    try:
        report = optimize_unet(work / "fused16" / part, float16=True, fp32_copy=work / "fused32" / part)
        print(part, "fused, fp16:", report, flush=True)
    except Exception as error:  # a fusion the tiny graphs do not take: fp16 without it, fp32 as given
        print(part, "fusion failed, fp16 unfused:", repr(error), flush=True)
        convert_float16_unfused(work / "fused16" / part)
print("text_encoder fp16:", convert_float16(work / "fused16" / "text_encoder"), flush=True)
PY
echo "convert: exit $?; $(grep -c 'fused, fp16' "$OUT/convert.log") UNets fused" | tee -a "$OUT/convert.log"
source tools/device/dawn_payload.sh
"$RT/node" --liftoff-only "$RT/bench/parity-bench.mjs" "$RT" "$FIXTURE/visible" \
  "fixture=$FIXTURE/models,fused32=$W/fused32,fused16=$W/fused16" 2>&1 | grep -v "VerifyEachNode\|Rerunning with verbose\|XDG_RUNTIME" | tee "$OUT/parity.jsonl"
