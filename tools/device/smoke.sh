#!/usr/bin/env bash
# GPU machine, first call: check the environment and every code path with a few steps, and time each stage.
# Run from the repo root with .carry/diffusers carried (see tools/README.md).
set -euo pipefail
export PYTHONPATH="$PWD/.carry:$PWD" PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
python3 -c "import torch, transformers, onnx, onnxruntime, diffusers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'onnx', onnx.__version__, 'ort', onnxruntime.__version__, 'diffusers', diffusers.__version__, torch.cuda.get_device_name())"
python3 -m tools.tinyworld.train --out /tmp/smoke --steps-vae 40 --steps-idm 40 --steps-vdm 40 2>&1 | tee "$OUT/smoke_train.log"
python3 -m tools.export.export_pack --sd /tmp/smoke --motion-unet /tmp/smoke/motion_unet --out /tmp/smoke-pack \
  --precision fp32 --resolution 64 --frames 16 --id tinyworld-smoke --name smoke 2>&1 | tee "$OUT/smoke_export.log"
python3 -m pytest -q -x tools/export/test_export.py 2>&1 | tee "$OUT/smoke_pytest.log"
