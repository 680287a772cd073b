#!/bin/bash
# On the GPU machine: unpack the payload made by scripts/dawn/make-payload.sh (.dawn/, .gl/; tools/device/dawn_payload.sh)
# and run the engine benchmark on the bundled pack through dawn.node. Writes its log to $OUT (or /tmp) as engine-bench.log.
set -euo pipefail
source tools/device/dawn_payload.sh
echo "Vulkan ICD: $VK_DRIVER_FILES"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
"$RT/node" --liftoff-only "$RT/bench/engine-bench.mjs" "$RT" "$PWD/public/models/tinyworld-v2/" 2>&1 | tee "${OUT:-/tmp}/engine-bench.log"
