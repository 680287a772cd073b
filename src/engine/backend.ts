import type { PackManifest } from '../runtime/pack/manifest.js';
import { packTooLargeFor } from './pack-limits.js';
import type { Backend, Capabilities } from './types.js';

/**
 * Pick the execution provider and say why, in words for the user. WebGPU needs an adapter, and shader-f16
 * for an fp16 pack; a software adapter (SwiftShader) is 50-150x slower than WASM, so 'auto' only takes
 * WebGPU on a hardware adapter. An explicit request for WebGPU is honoured when it can run at all.
 */
export function chooseBackend(
  requested: Backend | 'auto',
  caps: Capabilities,
  precision: 'fp32' | 'fp16',
): { backend: Backend; reason: string } {
  if (requested === 'wasm') return { backend: 'wasm', reason: 'WASM (CPU) was selected.' };
  const gpu = caps.webgpu;
  const threads = `${caps.wasm.threads} thread${caps.wasm.threads === 1 ? '' : 's'}`;
  if (!gpu.available) {
    return {
      backend: 'wasm',
      reason: `Running on WASM (CPU, ${threads}) because WebGPU is unavailable: ${gpu.reason ?? 'no adapter'}`,
    };
  }
  if (precision === 'fp16' && !gpu.shaderF16) {
    return {
      backend: 'wasm',
      reason: `Running on WASM (CPU, ${threads}) because this pack is fp16 and the GPU adapter lacks the shader-f16 feature. An fp32 pack can use WebGPU here.`,
    };
  }
  if (requested === 'auto' && gpu.fallbackAdapter) {
    return {
      backend: 'wasm',
      reason: `Running on WASM (CPU, ${threads}) because the only WebGPU adapter is a software one (${gpu.adapter}), which is much slower than WASM.`,
    };
  }
  return { backend: 'webgpu', reason: `Running on WebGPU (${gpu.adapter}${gpu.shaderF16 ? ', shader-f16' : ''}).` };
}

/**
 * After a WebGPU load failed with `error`: whether to load the pack again on WASM. Only when onnxruntime could
 * not create a WebGPU session (a graph the EP cannot compile still runs on WASM), and only for a pack WASM can
 * hold: for one too large (pack-limits.ts), WebGPU's own failure is the message the user needs.
 */
export function canFallBackToWasm(error: unknown, backend: Backend, manifest: PackManifest | null | undefined): boolean {
  const sessionCreationFailed =
    error instanceof Error && error.name === 'ModelSignatureError' && /could not load the model/.test(error.message);
  if (backend !== 'webgpu' || !sessionCreationFailed) return false;
  return !(manifest && packTooLargeFor(manifest, 'wasm'));
}
