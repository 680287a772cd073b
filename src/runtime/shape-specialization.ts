import type { ModelPart, ModelSet } from './model-set.js';
import type { Dim } from './signature.js';

/** The tensor shapes one generation feeds each part. */
export interface GenerationShape {
  frames: number;
  latentHeight: number;
  latentWidth: number;
  /** Rows per UNet call: 2 with batched CFG, 1 with split CFG or CFG off. */
  cfgRows: number;
  /** Frames per VAE call. */
  decodeChunk: number;
}

/**
 * The input dims each part's graph declares (symbol names where free), read from the sessions made at load,
 * before any pinning. Kept by the pack for every later re-creation: a session made with overrides reports the
 * pinned dims as numbers, so reading the symbols from the current sessions found nothing to pin after the first
 * shape change, and every later set ran with dynamic shapes and without graph capture (found on the H100: the
 * bundled pack's UNet calls 2.5x slower than pinned after a change of the VAE chunk; onnxruntime refused capture
 * because shape nodes fell to the CPU).
 */
export interface DeclaredInputShapes {
  textEncoder: readonly Dim[];
  imageUnet?: readonly Dim[];
  videoUnet: readonly Dim[];
  vaeDecoder: readonly Dim[];
}

export function declaredInputShapes(models: ModelSet): DeclaredInputShapes {
  return {
    textEncoder: models.textEncoder.signature.input.shape,
    ...(models.image ? { imageUnet: models.image.signature.sample.shape } : {}),
    videoUnet: models.video.signature.sample.shape,
    vaeDecoder: models.vae.signature.input.shape,
  };
}

/**
 * onnxruntime `freeDimensionOverrides` that pin a graph's symbolic dims to one generation's shapes. On the
 * WASM EP this lets the optimizer fold shape arithmetic and pick kernels for the real sizes: 216 → 152 ms per VDM
 * call of the first bundled pack (tinyworld-v1); on tinyworld-v2 162 → 158 ms, IV-mixed-25 19.2 → 18.4 s
 * (`npm run bench -- --shapes pinned,dynamic`). On WebGPU it removes the CPU shape work that stalls the queue (the
 * bundled pack's calls 36-50 % faster on an H100). Only dims named in the sample/latent input are pinned
 * (their symbol names come from the graph), so any export works; other symbols stay free.
 */
export function freeDimensionOverrides(
  declared: DeclaredInputShapes,
  shape: GenerationShape,
): Partial<Record<ModelPart, Record<string, number>>> {
  const pin = (dims: readonly Dim[], values: number[]): Record<string, number> => {
    const out: Record<string, number> = {};
    dims.forEach((d, i) => {
      const v = values[i];
      if (typeof d === 'string' && v !== undefined) out[d] = v;
    });
    return out;
  };
  const { frames, latentHeight: h, latentWidth: w, cfgRows, decodeChunk } = shape;
  const channels = 4;
  return {
    textEncoder: pin(declared.textEncoder, [cfgRows]),
    videoUnet: pin(declared.videoUnet, [cfgRows, channels, frames, h, w]),
    ...(declared.imageUnet ? { imageUnet: pin(declared.imageUnet, [cfgRows * frames, channels, h, w]) } : {}),
    vaeDecoder: pin(declared.vaeDecoder, [decodeChunk, channels, h, w]),
  };
}

export function shapeKey(shape: GenerationShape): string {
  return `${shape.frames}f ${shape.latentHeight}x${shape.latentWidth} cfg${shape.cfgRows} vae${shape.decodeChunk}`;
}
