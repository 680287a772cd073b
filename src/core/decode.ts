import { formatShape, type Tensor } from './tensor/tensor.js';
import { videoToFrames } from './tensor/video-layout.js';

const f32 = Math.fround;

/**
 * Latents [B, C, F, h, w] → VAE decoder input [B·F, C, h, w], multiplied by float32(1 / scaling factor)
 * (the official pipeline multiplies by the reciprocal rather than dividing; the two differ in the last bit).
 */
export function latentsForDecoding(latents: Tensor, scalingFactor: number): Tensor {
  const frames = videoToFrames(latents);
  const k = f32(1 / scalingFactor);
  const data = frames.data;
  for (let i = 0; i < data.length; i++) data[i] = f32((data[i] as number) * k);
  return frames;
}

/** numpy's round half to even, for non-negative values. */
function roundHalfEvenPositive(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 === 1 ? r - 1 : r;
}

/**
 * Decoder output [N, 3, H, W] in about [−1, 1] → 8-bit pixels, as diffusers' postprocess does it in
 * float32: (x/2 + 0.5).clamp(0, 1) · 255, rounded half to even. `channels` 3 gives RGB [N, H, W, 3]
 * (the fixture layout), 4 gives RGBA with opaque alpha (ready for ImageData / VideoFrame).
 */
export function imagesToPixels(images: Tensor, channels: 3 | 4 = 3): Uint8Array {
  if (images.shape.length !== 4 || images.shape[1] !== 3) {
    throw new RangeError(`expected decoded images [N, 3, H, W], got ${formatShape(images.shape)}`);
  }
  const [n, , h, w] = images.shape as [number, number, number, number];
  const plane = h * w;
  const out = new Uint8Array(n * plane * channels);
  if (channels === 4) out.fill(255);
  for (let img = 0; img < n; img++) {
    for (let c = 0; c < 3; c++) {
      const src = (img * 3 + c) * plane;
      for (let p = 0; p < plane; p++) {
        const x = images.data[src + p] as number;
        let v = f32(f32(x / 2) + 0.5);
        v = Math.min(1, Math.max(0, v));
        out[(img * plane + p) * channels + c] = roundHalfEvenPositive(f32(v * 255));
      }
    }
  }
  return out;
}
