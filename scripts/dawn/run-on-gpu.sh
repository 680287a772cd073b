#!/bin/bash
# On the GPU machine: unpack the payload made by scripts/dawn/make-payload.sh (.dawn/, .gl/) and run the engine
# benchmark on the bundled pack through dawn.node. Writes its log to $OUT (or /tmp) as engine-bench.log.
set -euo pipefail
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
[ -f "$VK_DRIVER_FILES" ] || export VK_DRIVER_FILES=/usr/share/vulkan/icd.d/nvidia_icd.json
echo "Vulkan ICD: $VK_DRIVER_FILES"
rt=/tmp/ivmix-dawn
rm -rf "$rt" && mkdir -p "$rt" && cp -r .dawn/. "$rt/"
unxz_py() { python3 -c "import lzma,sys; open(sys.argv[2],'wb').write(lzma.open(sys.argv[1]).read())" "$1" "${1%.xz}"; }
for f in "$rt/node.xz" "$rt/webgpu/dist/linux-x64/dawn.node.xz" "$rt/ort/ort-wasm-simd-threaded.asyncify.wasm.xz"; do
  if command -v unxz >/dev/null; then unxz "$f"; else unxz_py "$f" && rm "$f"; fi
done
chmod +x "$rt/node"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
"$rt/node" --liftoff-only "$rt/bench/engine-bench.mjs" "$rt" "$PWD/public/models/tinyworld-v2/" 2>&1 | tee "${OUT:-/tmp}/engine-bench.log"
