import type { OnnxComponent, PackManifest } from '../runtime/pack/manifest.js';
import type { Backend } from './types.js';

/**
 * onnxruntime-web is a 32-bit WebAssembly build: its memory, through which every model file and external-data
 * file passes on its way into a session, tops out at 4 GiB, and one typed array cannot hold a file that large
 * either. An fp32 export of AnimateDiff's video UNet is one 5.25 GB external-data file; loading it failed with
 * "RangeError: Invalid typed array length" after the whole download (docs/performance.md, GPU); split into
 * files of at most 1 GiB (tools/export/external_data.py) the same weights load and run on WebGPU. On the WASM
 * backend all weights stay in that memory, so the pack's model files together must fit as well.
 */
export const WASM_MEMORY_LIMIT_BYTES = 2 ** 32;

/** A pack that cannot run here whatever the user does on this backend; the message says why and what to use. */
export class PackTooLargeError extends Error {
  override name = 'PackTooLargeError';
}

const GB = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

/**
 * Refuse, before anything is downloaded, a pack that onnxruntime-web cannot load on `backend`: any single model
 * file of 4 GiB or more (every backend), or model files adding up to 4 GiB or more (WASM). The sizes are the
 * manifest's; a borrowed image model counts where the manifest lists its files.
 */
export function checkPackFitsRuntime(manifest: PackManifest, backend: Backend): void {
  const sizes = new Map(manifest.files.map((f) => [f.path, f.size]));
  const c = manifest.components;
  const components: OnnxComponent[] = [c.textEncoder, c.videoUnet, c.vaeDecoder, ...(c.imageUnet ? [c.imageUnet] : [])];
  const modelFiles = components.flatMap((component) => [component.model, ...component.externalData]);
  const files = [
    ...modelFiles.map((path) => ({ path, size: sizes.get(path) ?? 0 })),
    ...(manifest.imageModel?.files ?? []).map((f) => ({ path: `${manifest.imageModel?.baseUrl ?? ''}${f.path}`, size: f.size })),
  ];
  const largest = files.reduce((a, b) => (b.size > a.size ? b : a), { path: '', size: 0 });
  if (largest.size >= WASM_MEMORY_LIMIT_BYTES) {
    throw new PackTooLargeError(
      `${largest.path} is ${GB(largest.size)}, more than onnxruntime-web can load as one file (its WebAssembly memory ` +
        `is limited to 4 GiB). Export it again with this project's exporter, which splits external data into files of at ` +
        `most 1 GiB${manifest.precision === 'fp32' ? ', or in fp16 (its default), which also halves the download' : ''}.`,
    );
  }
  const total = files.reduce((n, f) => n + f.size, 0);
  if (backend === 'wasm' && total >= WASM_MEMORY_LIMIT_BYTES) {
    throw new PackTooLargeError(
      `This pack's models add up to ${GB(total)}; on the WASM backend (CPU) they all live in onnxruntime-web's ` +
        'WebAssembly memory, which is limited to 4 GiB. Use it with WebGPU (a browser and GPU that offer it), or use a smaller pack.',
    );
  }
}

/** Whether `checkPackFitsRuntime` refuses this pack on `backend`. */
export function packTooLargeFor(manifest: PackManifest, backend: Backend): boolean {
  try {
    checkPackFitsRuntime(manifest, backend);
    return false;
  } catch (error) {
    if (error instanceof PackTooLargeError) return true;
    throw error;
  }
}
