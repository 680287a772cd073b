# Sourced by the GPU-machine scripts, from the repo root: diffusers' source (never committed) on PYTHONPATH.
# It travels as .carry/diffusers or, smaller, as .carry/diffusers.tar.xz (tar cJf of that folder).
if [ -d .carry/diffusers ]; then
  export PYTHONPATH="$PWD/.carry:$PWD"
else
  # Unpacked once per machine: a second unpack under a running import (a test beside the export) breaks it.
  [ -d /tmp/carry/diffusers ] || { mkdir -p /tmp/carry && tar xJf .carry/diffusers.tar.xz -C /tmp/carry; }
  export PYTHONPATH="/tmp/carry:$PWD"
fi
export PYTHONUNBUFFERED=1
