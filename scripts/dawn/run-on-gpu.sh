#!/bin/bash
# On the GPU machine: unpack the payload made by scripts/dawn/make-payload.sh (.dawn/, .gl/; tools/device/dawn_payload.sh)
# and run the engine benchmark on the bundled pack through dawn.node. Writes its log to $OUT (or /tmp) as engine-bench.log.
# VARIANTS="SECTIONS=4;SECTIONS=4 CALL_TIMES=1;SECTIONS=5" runs it once per entry (each entry's assignments in its
# environment, one process each, in that order) into engine-bench-1.log, engine-bench-2.log, ...; EACH_S caps each run.
set -euo pipefail
source tools/device/dawn_payload.sh
echo "Vulkan ICD: $VK_DRIVER_FILES"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
bench=("$RT/node" --liftoff-only "$RT/bench/engine-bench.mjs" "$RT" "$PWD/public/models/tinyworld-v2/")
if [ -z "${VARIANTS:-}" ]; then
  "${bench[@]}" 2>&1 | tee "${OUT:-/tmp}/engine-bench.log"
  exit 0
fi
n=0
IFS=';' read -ra entries <<< "$VARIANTS"
for entry in "${entries[@]}"; do
  n=$((n + 1))
  log="${OUT:-/tmp}/engine-bench-$n.log"
  echo "# $entry" > "$log"
  t0=$(date +%s)
  # shellcheck disable=SC2086 # the entry's words are the assignments
  env $entry timeout "${EACH_S:-240}" "${bench[@]}" >> "$log" 2>&1 || echo "# exit $?" >> "$log"
  echo "engine-bench $n ($entry): $(( $(date +%s) - t0 )) s, $(grep -c '^{' "$log") records"
done
