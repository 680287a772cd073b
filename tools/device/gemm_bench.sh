#!/usr/bin/env bash
# GPU machine, one call (about 2-4 min; needs no pack): onnxruntime-web's fp16 MatMul and Conv against WebGPU
# subgroup-matrix (tensor core) GEMMs of the IDM's sizes (scripts/dawn/gemm-bench.ts). Here first:
# node scripts/dawn/build-bench.mjs .dawn/bench. Device command: bash tools/device/gemm_bench.sh, carrying .dawn and .gl.
# $OUT gets gemm.json and gemm.log, then gemm-norobust.* (the same, Dawn robustness off).
set -uo pipefail
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
source tools/device/dawn_payload.sh
echo "GPU: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader); commit ${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null)}" | tee "$OUT/gemm.log"
"$RT/node" --liftoff-only "$RT/bench/gemm-bench.mjs" "$RT" "$OUT/gemm.json" 2>&1 | grep -v "VerifyEachNode\|XDG_RUNTIME" | tee -a "$OUT/gemm.log"
# The same with Dawn's robustness off (no clamping of loads and stores): how much the bounds checks cost; browsers
# keep them on, so this is a diagnosis, not something the app can choose.
DAWN_FLAGS="enable-dawn-features=vulkan_enable_f16_on_nvidia,allow_unsafe_apis,disable_robustness" \
  "$RT/node" --liftoff-only "$RT/bench/gemm-bench.mjs" "$RT" "$OUT/gemm-norobust.json" 2>&1 | grep -v "VerifyEachNode\|XDG_RUNTIME" | tee -a "$OUT/gemm-norobust.log"
