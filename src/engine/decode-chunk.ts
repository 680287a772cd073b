import { isSmallPack } from './pack-loader.js';

/**
 * Most decoded pixels per VAE call when a small pack's frames are decoded together: 16 frames of 128×128. The
 * bundled pack's decoder keeps 16 fp32 channels at full resolution, so one such activation is 16 MiB.
 */
export const ONE_CALL_DECODE_MAX_PIXELS = 16 * 128 * 128;

/**
 * Frames per VAE call when the request does not say (GenerateRequest.decodeChunk). Full-size packs decode one frame
 * per call, as the official pipeline's enable_vae_slicing does, to bound memory. Small packs (isSmallPack in
 * pack-loader.ts: the size under which the engine pins shapes on WebGPU) decode as many frames per call as fit
 * ONE_CALL_DECODE_MAX_PIXELS, the largest such divisor of the frame count (the decoder takes equal chunks). Why: on
 * WebGPU each call encodes every node of the decoder again, which dominated the bundled pack's decode (one call for
 * 16 frames: 17-19 ms of host time against 220-230 ms for 16 calls, Node + Dawn without a GPU), and on WASM one call
 * was faster (`npm run bench -- --decode-chunk 1,16`: 327-358 → 229-236 ms), frames within 1 LSB
 * (docs/performance.md, "GPU, fourth run").
 */
export function defaultDecodeChunk(modelBytes: number, frames: number, width: number, height: number): number {
  if (!isSmallPack(modelBytes)) return 1;
  const fit = Math.max(1, Math.floor(ONE_CALL_DECODE_MAX_PIXELS / (width * height)));
  for (let chunk = Math.min(fit, frames); chunk > 1; chunk--) if (frames % chunk === 0) return chunk;
  return 1;
}
