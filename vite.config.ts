import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Cross-origin isolation lets onnxruntime-web use WASM threads (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  plugins: [react()],
  server: { headers: isolation },
  preview: { headers: isolation },
  // onnxruntime-web locates its .wasm next to its own module; pre-bundling would break that.
  optimizeDeps: { exclude: ['onnxruntime-web', '@ffmpeg/ffmpeg', '@ffmpeg/util'] },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
});
