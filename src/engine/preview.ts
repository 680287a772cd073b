import type { Tensor } from '../core/tensor/tensor.js';
import type { VideoFrames } from './types.js';

/**
 * A cheap look at the latents while sampling: rgb = M·latent + bias per latent pixel (a linear map fitted
 * per pack), at latent resolution (1/8 of the video). The UI scales it up. Costs microseconds, no model call.
 */
export function latentPreview(latents: Tensor, map: { latentToRgb: number[][]; bias: number[] }, fps: number): VideoFrames {
  const [b, c, f, h, w] = latents.shape as [number, number, number, number, number];
  const plane = h * w;
  const count = b * f;
  const rgba = new Uint8Array(count * plane * 4);
  for (let bi = 0; bi < b; bi++) {
    for (let fi = 0; fi < f; fi++) {
      const frame = bi * f + fi;
      for (let p = 0; p < plane; p++) {
        const o = (frame * plane + p) * 4;
        for (let ch = 0; ch < 3; ch++) {
          const row = map.latentToRgb[ch] as number[];
          let v = map.bias[ch] as number;
          for (let k = 0; k < c; k++) v += (row[k] as number) * (latents.data[((bi * c + k) * f + fi) * plane + p] as number);
          rgba[o + ch] = Math.max(0, Math.min(255, Math.round(v * 255)));
        }
        rgba[o + 3] = 255;
      }
    }
  }
  return { width: w, height: h, count, fps, rgba };
}
