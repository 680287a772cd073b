import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// Cross-origin isolation lets onnxruntime-web use WASM threads (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  plugins: [
    react(),
    // The offline service worker (src/offline/sw.ts): precaches every file of the build, the bundled pack
    // and the wasm cores included, so that the app opens without a network once it was opened with one.
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/offline',
      filename: 'sw.ts',
      injectRegister: false, // src/offline/register.ts registers it, in production builds only
      manifest: false,
      injectManifest: {
        globPatterns: ['**/*'],
        // The largest files are the ffmpeg.wasm core (32 MB) and onnxruntime-web's wasm (27 MB).
        maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
        rollupFormat: 'iife',
      },
      devOptions: { enabled: false },
    }),
  ],
  server: { headers: isolation },
  preview: { headers: isolation },
  // onnxruntime-web locates its .wasm next to its own module; pre-bundling would break that.
  optimizeDeps: { exclude: ['onnxruntime-web', '@ffmpeg/ffmpeg', '@ffmpeg/util'] },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
});
