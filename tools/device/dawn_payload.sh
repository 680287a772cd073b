# Sourced by the GPU-machine scripts, from the repo root: the Vulkan loader (.gl), and Node + Dawn + onnxruntime-web
# unpacked from the payload (.dawn, made here by scripts/dawn/make-payload.sh) into $RT, kept across calls on one
# machine; the bundles (.dawn/bench) are always copied fresh. Sets RT and VK_DRIVER_FILES.
RT=${RT:-/tmp/ivmix-dawn}
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
