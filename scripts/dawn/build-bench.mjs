// Bundles the GPU-machine scripts (and the engine they import) into single Node ESM files, so that the GPU
// machine needs only a node binary and the payload (see run-on-gpu.sh, tools/device/gpu_bench.sh):
//   engine-bench.mjs (bundled pack, latents on the GPU vs the CPU), fullsize-bench.mjs (the full-size pack),
//   plan.mjs (replay plans for the PyTorch benchmark), profile-unet.mjs (one model call's kernels), adapter-probe.mjs
//   (what Dawn exposes under a few toggle sets), gemm-bench.mjs, capture-bench.mjs, parity-bench.mjs (the parity fixture
//   on the GPU, fp32 and fp16). Usage: node scripts/dawn/build-bench.mjs <outDir>
import { join } from 'node:path';
import { build } from 'vite';

const outDir = process.argv[2] ?? '.dawn/bench';
const entries = [
  'engine-bench',
  'fullsize-bench',
  'plan',
  'profile-unet',
  'adapter-probe',
  'gemm-bench',
  'capture-bench',
  'parity-bench',
];
await build({
  configFile: false,
  publicDir: false,
  logLevel: 'warn',
  ssr: { noExternal: true },
  build: {
    ssr: true,
    outDir,
    emptyOutDir: true,
    minify: false,
    target: 'node20',
    rollupOptions: {
      input: Object.fromEntries(entries.map((name) => [name, join(import.meta.dirname, `${name}.ts`)])),
      output: { format: 'es', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs' },
    },
  },
});
console.log(`wrote ${entries.map((name) => join(outDir, `${name}.mjs`)).join(', ')}`);
