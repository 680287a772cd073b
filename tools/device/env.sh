# Sourced by the GPU-machine scripts, from the repo root: diffusers' source (never committed) on PYTHONPATH.
# It travels as .carry/diffusers or, smaller, as .carry/diffusers.tar.xz (tar cJf of that folder).
if [ -d .carry/diffusers ]; then
  export PYTHONPATH="$PWD/.carry:$PWD"
else
  mkdir -p /tmp/carry && tar xJf .carry/diffusers.tar.xz -C /tmp/carry
  export PYTHONPATH="/tmp/carry:$PWD"
fi
export PYTHONUNBUFFERED=1
