#!/usr/bin/env bash
# GPU machine, one call (< 600 s), repeatable on the same warm machine: the speed table of issue 5. The engine
# (Node 20 + Dawn, onnxruntime-web's WebGPU EP; scripts/dawn/fullsize-bench.ts) and PyTorch (diffusers fp16, SDPA;
# tools/bench/torch_bench.py) on the full-size random-weight pack, on the same GPU; merged table in $OUT/table.md.
#
# Here first: bash scripts/dawn/make-payload.sh (or node scripts/dawn/build-bench.mjs .dawn/bench after a code
# change). Device command: bash tools/device/gpu_bench.sh, carrying .dawn, .gl and .carry/diffusers.tar.xz.
#
# The pack: /tmp/fullsize/pack (fp16) and /tmp/fullsize/pack-fp32 are reused when an earlier call on this machine
# exported them (tools/device/full_size.sh); an export still running is waited for; otherwise it is started here.
# PyTorch needs only the random weights (/tmp/fullsize/work, written first), so it can run beside an export (the
# table says so). Results stay in /tmp/gpubench across calls, so a later call adds rows and the table merges them
# all; $OUT gets the table, the driver log and results.tgz (every JSON and log).
#
# Knobs (environment):
#   BUDGET     seconds for the whole call (575); every stage stops itself before it.
#   TORCH      1: run PyTorch (calls + generations) in this call; 0: skip (1 when no PyTorch results exist yet).
#   TORCH_END  seconds into the call by which PyTorch stops starting stages.
#   STAGES16   fullsize-bench stages for the fp16 pack (its default when unset); "none" skips it.
#   STAGES32   stages for the fp32 pack ("none" by default); FP32_SHARE: percent of the engine time it gets (40).
#   STAGESLN   stages for the fp16 pack with GroupNorm as LayerNormalization (tools/export/groupnorm.py; made on
#              the machine from the fp16 pack); shares the engine time with STAGES32 (FP32_SHARE).
#   LAYOUT     NCHW or NHWC: onnxruntime's WebGPU preferredLayout for the engine's sessions (unset: the EP's default,
#              NHWC in 1.30); fullsize-bench and profile-unet read it.
#   DAWN_FLAGS  Dawn toggles replacing the defaults, entries separated by ';' (each entry is one dawn.node create()
#              flag, e.g. enable-dawn-features=vulkan_enable_f16_on_nvidia,disable_robustness); fullsize-bench and
#              profile-unet read it.
#   LABEL      label of the fp16-pack engine run (fp16): engine-<label>-*.json and engine-<label>.log. Give a variant
#              (LAYOUT, DAWN_FLAGS) its own label, e.g. LAYOUT=NCHW LABEL=nchw, so that it does not replace the
#              default fp16 run; gpu_table.py lists every label other than fp16 and fp32 as a variant of it.
#   SHAPES     pinned or dynamic: LoadOptions.specializeShapes of the engine runs (unset: the engine's rule, dynamic
#              for a full-size pack); CAPTURE=1: LoadOptions.graphCapture (pins the shapes unless SHAPES=dynamic).
#              fullsize-bench reads both; give the run its own LABEL (e.g. SHAPES=pinned LABEL=pinned).
#   BUFFER_CACHE  bucket or simple: onnxruntime's WebGPU storageBufferCacheMode (LoadOptions.webgpuBufferCache;
#              unset: the EP's default, bucket); give the run its own LABEL. CALL_TIMES=1: host time of every WebGPU
#              call by phase (inside UNet calls, between them, text, decode) in each generation record.
#   COMPARE    space-separated <reference>:<other> label pairs whose `:save` stages are compared value by value
#              (tools/bench/compare_outputs.py), e.g. "fp16:pinned fp16:capture"; fp32:fp16 is compared whenever
#              an fp32 run saved outputs.
#   PROFILE    e.g. unet:512,motion_unet:512,vae_decoder:512: one call of each part with every GPU dispatch timed
#              (scripts/dawn/profile-unet.ts), after the engine stages; profile-<part>-<size>-<layout>.json.
#   COMMIT     printed as the commit (the machine's .git can be older than the tree it was sent).
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
log() { echo "[$(now) s] $*" | tee -a "$OUT/driver.log" >> "$W/driver.log"; echo "[$(now) s] $*"; }
stamp() { echo "$1 $(date +%s.%N)" >> "$W/windows.txt"; }
source tools/device/env.sh
log "call at $(date -u +%FT%TZ); GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader)"
log "commit: ${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null)} (COMMIT=... in the device command: the machine's .git can be older than the tree it was sent)"

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
  log "export started"
elif [ "$state" = running ]; then
  log "export already running: $(grep -E 'exported in|: (fuse|fp32 copy|float16|save) ' "$FS/log" | tr '\n' ' ')"
else
  log "reusing the exported pack: $(tail -n 1 "$FS/log")"
fi

# GPU memory of the whole card, sampled; the table takes each benchmark's window from windows.txt.
nvidia-smi --query-gpu=timestamp,memory.used --format=csv,noheader,nounits -lms 500 >> "$W/smi.csv" 2>/dev/null &
SMI=$!

# Node + Dawn + onnxruntime-web (kept from an earlier call; the bundles always fresh).
source tools/device/dawn_payload.sh
log "payload ready"

# What Dawn exposes on this GPU under a few toggle sets (scripts/dawn/adapter-probe.ts): whether tensor cores are
# reachable (chromium-experimental-subgroup-matrix over VK_KHR_cooperative_matrix). Seconds; a failure stops nothing.
"$RT/node" --liftoff-only "$RT/bench/adapter-probe.mjs" "$RT" > "$W/adapter-probe.jsonl" 2>&1 || true
log "adapter probe: $(grep -c '^{' "$W/adapter-probe.jsonl") flag sets, subgroup-matrix exposed in $(grep -c '"subgroupMatrix":true' "$W/adapter-probe.jsonl"), a device with it in $(grep -c '"device":{"features"' "$W/adapter-probe.jsonl"), no adapter in $(grep -c '"adapter":null' "$W/adapter-probe.jsonl"), errors in $(grep -c '"error"' "$W/adapter-probe.jsonl") (adapter-probe.jsonl)"

# PyTorch: needs the random weights (the export's first step) and the replay plans (from their scheduler).
TORCH=${TORCH:-$([ -f "$W/torch.json" ] && grep -q '"finished"' "$W/torch.json" && echo 0 || echo 1)}
if [ "$TORCH" = 1 ]; then
  while ! grep -q "weights built" "$FS/log" 2>/dev/null && [ "$(export_state)" = running ] && [ "$(left)" -gt 60 ]; do sleep 2; done
  "$RT/node" "$RT/bench/plan.mjs" "$FS/work/scheduler/scheduler_config.json" "$W/plans" ddim-25 iv-iv-25 ddim-50 iv-iv-50 >> "$W/driver.log" 2>&1
  besides=$([ "$(export_state)" = running ] && echo 1 || echo 0)
  TORCH_END=${TORCH_END:-$([ "$besides" = 1 ] && echo $(( BUDGET * 57 / 100 )) || echo $(( BUDGET * 35 / 100 )))}
  echo "$besides" > "$W/concurrent"
  stamp "torch-start"
  timeout $(( TORCH_END - $(now) > 10 ? TORCH_END - $(now) + 20 : 30 )) python3 -m tools.bench.torch_bench --work "$FS/work" --plans "$W/plans" \
    --out "$W/torch.json" --deadline $(( T0 + TORCH_END )) 2>&1 | grep -v -i "warn\|shards\|^  " >> "$W/torch.log"
  stamp "torch-end"
  log "torch done ($(grep -c '"torch gen"' "$W/torch.log") generations in its log; export beside it: $besides)"
fi

# The packs, then the engine until the budget is spent.
while [ "$(export_state)" = running ] && [ "$(left)" -gt 60 ]; do sleep 3; done
log "export: $(export_state); $(grep -E '^exit|exported in|OK|FAIL|above tolerance|fp32 copy written' "$FS/log" | tr '\n' ' ' | cut -c1-800)"
grep -v -i "warn\|shards\|^  \|fusion:\|it/s\]" "$FS/log" > "$W/export.log" 2>/dev/null
engine() {  # engine <pack dir> <label> <deadline, unix s> <stages>
  local pack=$1 label=$2 until=$3 stages=$4
  [ "$stages" = none ] && return
  if [ ! -f "$pack/manifest.json" ] || [ $(( until - $(date +%s) )) -lt 40 ]; then
    log "engine $label not run: $([ -f "$pack/manifest.json" ] && echo "$(( until - $(date +%s) )) s left" || echo "no pack at $pack")"
    return
  fi
  stamp "engine-$label-start"
  STAGES=$stages timeout $(( until - $(date +%s) + 5 )) "$RT/node" --liftoff-only "$RT/bench/fullsize-bench.mjs" "$RT" "$pack" \
    "$(( (until - 10) * 1000 ))" "$W/engine-$label-$T0.json" 2>&1 | grep -v "VerifyEachNode\|XDG_RUNTIME" >> "$W/engine-$label.log"
  stamp "engine-$label-end"
  log "engine $label done: $(grep -c '"what":"generation"' "$W/engine-$label.log") generations, $(grep -c '"what":"per call"' "$W/engine-$label.log") per-call stages (all calls)"
}
if [ "$(export_state)" = done ]; then
  STAGES32=${STAGES32:-none}
  STAGESLN=${STAGESLN:-none}
  END=$(( T0 + BUDGET - 15 ))
  share=$([ "$STAGES32" = none ] && [ "$STAGESLN" = none ] && echo 0 || echo "${FP32_SHARE:-40}")
  # The GroupNorm-as-LayerNorm pack (tools/export/groupnorm.py) is made once per machine, beside the first engine run.
  LN_PID=
  if [ "$STAGESLN" != none ] && [ ! -f "$FS/pack-ln/manifest.json" ]; then
    python3 -m tools.export.groupnorm "$FS/pack" "$FS/pack-ln" >> "$W/driver.log" 2>&1 &
    LN_PID=$!
  fi
  engine "$FS/pack" "${LABEL:-fp16}" $(( END - ( END - $(date +%s) ) * share / 100 )) "${STAGES16:-calls:256,calls:512,512:ddim-25,512:iv-iv-25,256:ddim-25,256:iv-iv-25,256:ddim-50,256:iv-iv-50,512:ddim-50,512:iv-iv-50}"
  engine "$FS/pack-fp32" fp32 "$END" "$STAGES32"
  if [ "$STAGESLN" != none ]; then
    [ -n "$LN_PID" ] && wait "$LN_PID"
    engine "$FS/pack-ln" ln "$END" "$STAGESLN"
  fi
else
  log "engine not run: export $(export_state), $(left) s left"
fi

# Per-dispatch GPU profiles of single model calls (the fp16 pack), while time is left.
for item in $(echo "${PROFILE:-}" | tr ',' ' '); do
  part=${item%%:*} size=${item##*:} lay=${LAYOUT:-default}
  if [ "$(export_state)" != done ] || [ "$(left)" -lt 60 ]; then log "profile $item not run: $(left) s left"; continue; fi
  timeout $(( $(left) - 10 )) "$RT/node" --liftoff-only "$RT/bench/profile-unet.mjs" "$RT" "$FS/pack" "$part" "$size" \
    "$W/profile-$part-$size-$lay.json" 2 2>&1 | grep -v "VerifyEachNode\|XDG_RUNTIME" >> "$W/profile.log"
  log "profile $item ($lay): $(grep -A3 "^$part $size" "$W/profile.log" | tail -n 4 | tr '\n' ' ' | cut -c1-400)"
done

# fp16 against fp32 where both packs ran a `:save` stage of the same request.
ls "$W"/engine-fp32-*.latents.f32 >/dev/null 2>&1 && python3 -m tools.bench.compare_outputs "$W" | while read -r line; do log "$line"; done
# Other pairs of runs of the same request (COMPARE), e.g. graph capture against the dynamic-shape run.
for pair in ${COMPARE:-}; do
  python3 -m tools.bench.compare_outputs "$W" "${pair%%:*}" "${pair##*:}" | while read -r line; do log "$line"; done
done

kill "$SMI" 2>/dev/null
cp "$FS"/pack*-export-check.json "$FS"/pack-optimize.json "$W/" 2>/dev/null
python3 -m tools.bench.gpu_table --out-dir "$W" --work-dir "$W" > "$OUT/table.md" 2>> "$W/driver.log"
tar czf "$OUT/results.tgz" -C "$W" --exclude=plans --exclude="*.f32" --exclude="*.rgba" . 2>/dev/null
cat "$OUT/table.md"
log "end"
