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
 * onnxruntime `freeDimensionOverrides` that pin a graph's symbolic dims to one generation's shapes. On the
 * WASM EP this lets the optimizer fold shape arithmetic and pick kernels for the real sizes: 216 → 152 ms per VDM
 * call of the first bundled pack (tinyworld-v1); on tinyworld-v2 162 → 158 ms, IV-mixed-25 19.2 → 18.4 s
 * (`npm run bench -- --shapes pinned,dynamic`). On WebGPU it removes the CPU shape work that stalls the queue (the
 * bundled pack's calls 36-50 % faster on an H100). Only dims named in the sample/latent input are pinned
 * (their symbol names come from the graph), so any export works; other symbols stay free.
 */
export function freeDimensionOverrides(
  models: ModelSet,
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
    textEncoder: pin(models.textEncoder.signature.input.shape, [cfgRows]),
    videoUnet: pin(models.video.signature.sample.shape, [cfgRows, channels, frames, h, w]),
    ...(models.image ? { imageUnet: pin(models.image.signature.sample.shape, [cfgRows * frames, channels, h, w]) } : {}),
    vaeDecoder: pin(models.vae.signature.input.shape, [decodeChunk, channels, h, w]),
  };
}

export function shapeKey(shape: GenerationShape): string {
  return `${shape.frames}f ${shape.latentHeight}x${shape.latentWidth} cfg${shape.cfgRows} vae${shape.decodeChunk}`;
}
