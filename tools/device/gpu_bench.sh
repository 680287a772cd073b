#!/usr/bin/env bash
# GPU machine, one call (< 600 s): the speed table of issue 5. The engine (Node 20 + Dawn, onnxruntime-web's
# WebGPU EP; scripts/dawn/fullsize-bench.ts) and PyTorch (diffusers fp16, SDPA; tools/bench/torch_bench.py) on the
# full-size random-weight pack, on the same GPU in the same run; merged table in $OUT/table.md.
#
# Here first: bash scripts/dawn/make-payload.sh (or node scripts/dawn/build-bench.mjs .dawn/bench after a code
# change). Device command: bash tools/device/gpu_bench.sh, carrying .dawn, .gl and .carry/diffusers.tar.xz.
#
# The pack: /tmp/fullsize/pack is reused when an earlier call on this machine exported it (tools/device/full_size.sh);
# an export still running is waited for; otherwise the export is started here. PyTorch needs only the random
# weights (/tmp/fullsize/work, written first), so it runs while an export goes on (the table says so); the engine
# runs once the pack is there. Every stage stops itself before BUDGET seconds (575 by default; a smaller BUDGET
# gives a shorter call with the first rows of each table: per-call times, then 256² generations).
set -uo pipefail
T0=$(date +%s)
BUDGET=${BUDGET:-575}
OUT=${OUT:-/tmp/out}
W=/tmp/gpubench
FS=/tmp/fullsize
RT=/tmp/ivmix-dawn
mkdir -p "$OUT" "$W"
now() { echo $(( $(date +%s) - T0 )); }
left() { echo $(( BUDGET - $(now) )); }
log() { echo "[$(now) s] $*" | tee -a "$OUT/driver.log"; }
stamp() { echo "$1 $(date +%s.%N)" >> "$W/windows.txt"; }
rm -f "$W/windows.txt"
source tools/device/env.sh
log "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader)"
log "commit: $(git rev-parse --short HEAD 2>/dev/null || cat .git/HEAD 2>/dev/null)"

# The export first: it takes minutes, everything else can start beside it.
export_state() {
  if [ -f "$FS/log" ] && grep -q '^exit ' "$FS/log"; then
    [ -f "$FS/pack/manifest.json" ] && echo done || echo failed
  elif [ -f "$FS/log" ]; then echo running
  else echo absent; fi
}
state=$(export_state)
if [ "$state" = absent ] || [ "$state" = failed ]; then
  [ "$state" = failed ] && { log "earlier export failed:"; tail -n 5 "$FS/log" | tee -a "$OUT/driver.log"; }
  bash tools/device/full_size.sh >> "$OUT/driver.log" 2>&1
  CONCURRENT=1
  log "export started"
elif [ "$state" = running ]; then
  CONCURRENT=1
  log "export already running, waiting for it"
else
  CONCURRENT=0
  log "reusing the exported pack: $(tail -n 1 "$FS/log")"
fi

# GPU memory of the whole card, sampled; the table takes each benchmark's window from windows.txt.
nvidia-smi --query-gpu=timestamp,memory.used --format=csv,noheader,nounits -lms 500 > "$W/smi.csv" 2>/dev/null &
SMI=$!

# Node + Dawn + onnxruntime-web (kept from an earlier call; the bundles always fresh).
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
[ -f "$VK_DRIVER_FILES" ] || export VK_DRIVER_FILES=/usr/share/vulkan/icd.d/nvidia_icd.json
if [ ! -x "$RT/node" ]; then
  rm -rf "$RT" && mkdir -p "$RT" && cp -r .dawn/. "$RT/"
  for f in "$RT/node.xz" "$RT/webgpu/dist/linux-x64/dawn.node.xz" "$RT/ort/ort-wasm-simd-threaded.asyncify.wasm.xz"; do
    if command -v unxz >/dev/null; then unxz -f "$f"
    else python3 -c "import lzma,sys; open(sys.argv[2],'wb').write(lzma.open(sys.argv[1]).read())" "$f" "${f%.xz}" && rm "$f"; fi
  done
  chmod +x "$RT/node"
fi
rm -rf "$RT/bench" && cp -r .dawn/bench "$RT/bench"
log "payload ready"

# The random weights come first in the export (its log says when); the replay plans come from its scheduler.
while ! grep -q "weights built" "$FS/log" 2>/dev/null && [ "$(export_state)" = running ] && [ "$(left)" -gt 60 ]; do sleep 2; done
log "weights: $(grep 'weights built' "$FS/log" 2>/dev/null)"
"$RT/node" "$RT/bench/plan.mjs" "$FS/work/scheduler/scheduler_config.json" "$W/plans" ddim-25 iv-iv-25 ddim-50 iv-iv-50 >> "$OUT/driver.log" 2>&1

# PyTorch ends by TORCH_END s: a third of the budget when the engine can start right after, more beside an export.
TORCH_END=${TORCH_END:-$([ "$CONCURRENT" = 1 ] && echo $(( BUDGET * 57 / 100 )) || echo $(( BUDGET * 35 / 100 )))}
echo "$CONCURRENT" > "$W/concurrent"
stamp "torch-start"
timeout $(( TORCH_END - $(now) > 10 ? TORCH_END - $(now) + 20 : 30 )) python3 -m tools.bench.torch_bench --work "$FS/work" --plans "$W/plans" \
  --out "$OUT/torch.json" --deadline $(( T0 + TORCH_END )) 2>&1 | grep -v -i "warn\|shards\|^  " > "$OUT/torch.log"
stamp "torch-end"
log "torch done ($(grep -c '"torch gen"' "$OUT/torch.log") generations)"

# The pack, then the engine until the budget is spent.
while [ "$(export_state)" = running ] && [ "$(left)" -gt 40 ]; do sleep 3; done
log "export: $(export_state); $(grep -E '^exit|exported in|OK|FAIL|above tolerance' "$FS/log" | tr '\n' ' ' | cut -c1-600)"
grep -v -i "warn\|shards\|^  \|fusion:\|it/s\]" "$FS/log" | tail -n 40 > "$OUT/export.log"
if [ "$(export_state)" = done ] && [ "$(left)" -gt 40 ]; then
  stamp "engine-start"
  timeout $(( $(left) - 8 )) "$RT/node" --liftoff-only "$RT/bench/fullsize-bench.mjs" "$RT" "$FS/pack" \
    "$(( (T0 + BUDGET - 12) * 1000 ))" "$OUT/engine.json" 2>&1 | grep -v "VerifyEachNode\|XDG_RUNTIME" > "$OUT/engine.log"
  stamp "engine-end"
  log "engine done: $(grep -c '"what":"generation"' "$OUT/engine.log") generations"
else
  log "engine not run: export $(export_state), $(left) s left"
fi

kill "$SMI" 2>/dev/null
python3 -m tools.bench.gpu_table --out-dir "$OUT" --work-dir "$W" > "$OUT/table.md" 2>> "$OUT/driver.log"
cat "$OUT/table.md"
log "end"
