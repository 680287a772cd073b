// Bundles scripts/dawn/engine-bench.ts (and the engine it imports) into one Node ESM file, so that the GPU
// machine needs only a node binary and the payload (see run-on-gpu.sh). Usage: node scripts/dawn/build-bench.mjs <outDir>
import { join } from 'node:path';
import { build } from 'vite';

const outDir = process.argv[2] ?? '.dawn/bench';
await build({
  configFile: false,
  publicDir: false,
  logLevel: 'warn',
  ssr: { noExternal: true },
  build: {
    ssr: join(import.meta.dirname, 'engine-bench.ts'),
    outDir,
    emptyOutDir: true,
    minify: false,
    target: 'node20',
    rollupOptions: { output: { format: 'es', entryFileNames: 'engine-bench.mjs' } },
  },
});
console.log(`wrote ${join(outDir, 'engine-bench.mjs')}`);
