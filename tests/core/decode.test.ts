import { describe, expect, it } from 'vitest';
import { imagesToPixels, latentsForDecoding } from '../../src/core/decode.js';
import { at, wave } from './support.js';

const f32 = Math.fround;

describe('latentsForDecoding', () => {
  it('multiplies by float32(1/0.18215) (spec Corrections item 5) and lays frames out as (b f) c h w', () => {
    const [B, C, F, H, W] = [2, 4, 3, 2, 2];
    const data = wave(B * C * F * H * W, 3);
    const out = latentsForDecoding({ data, shape: [B, C, F, H, W] }, 0.18215);
    expect(out.shape).toEqual([B * F, C, H, W]);
    const k = f32(1 / 0.18215);
    for (let b = 0; b < B; b++)
      for (let f = 0; f < F; f++)
        for (let c = 0; c < C; c++)
          for (let p = 0; p < H * W; p++) {
            const v = at(data, ((b * C + c) * F + f) * H * W + p);
            expect(out.data[((b * F + f) * C + c) * H * W + p]).toBe(f32(v * k));
          }
  });

  it('multiplication by the float32 reciprocal, not division, where the two differ in the last bit', () => {
    const k = f32(1 / 0.18215);
    // Find inputs where x·f32(1/s) and x/s round to different float32 values (they exist: the reciprocal is rounded).
    const xs: number[] = [];
    for (let i = 1; xs.length < 8 && i < 10000; i++) {
      const x = f32(i / 97);
      if (f32(x * k) !== f32(x / f32(0.18215))) xs.push(x);
    }
    expect(xs.length).toBe(8);
    const out = latentsForDecoding({ data: Float32Array.from(xs), shape: [1, 1, 8, 1, 1] }, 0.18215);
    expect(Array.from(out.data)).toEqual(xs.map((x) => f32(x * k)));
  });

  it('does not modify the latents', () => {
    const data = wave(16);
    const copy = Float32Array.from(data);
    latentsForDecoding({ data, shape: [1, 1, 4, 2, 2] }, 0.18215);
    expect(data).toEqual(copy);
  });
});

describe('imagesToPixels', () => {
  /** One image [1, 3, 1, n] whose three channels are r, g, b. */
  const image = (r: number[], g: number[], b: number[]) => ({
    data: Float32Array.from([...r, ...g, ...b]),
    shape: [1, 3, 1, r.length],
  });

  it('maps −1 → 0, 1 → 255 and 0 → 128 (127.5 rounds half to even)', () => {
    const px = imagesToPixels(image([-1, 0, 1], [1, -1, 0], [0, 1, -1]));
    // RGB interleaved per pixel.
    expect(Array.from(px)).toEqual([0, 255, 128, 128, 0, 255, 255, 128, 0]);
  });

  it('clamps outside [−1, 1]', () => {
    // Pixel 0 is (R, G, B) = (−3, −1.0001, −100), pixel 1 is (2.5, 1.0001, 100).
    const px = imagesToPixels(image([-3, 2.5], [-1.0001, 1.0001], [-100, 100]));
    expect(Array.from(px)).toEqual([0, 0, 0, 255, 255, 255]);
  });

  it('computes (x/2 + 0.5)·255 in float32 and rounds (0.5 → 128, 0.2 → 153, −0.5 → 64)', () => {
    // 0.5: 0.75·255 = 191.25 → 191. 0.2: 0.6·255 = 153 → 153. −0.5: 0.25·255 = 63.75 → 64.
    const px = imagesToPixels(image([0.5], [0.2], [-0.5]));
    expect(Array.from(px)).toEqual([191, 153, 64]);
  });

  it('rounds exact float32 ties half to even, like numpy (k + 0.5 with k even goes down)', () => {
    // Search inputs x whose float32 pipeline lands exactly on an .5 with an even integer part (numpy round → down;
    // Math.round would go up). x = 2·(v − 0.5) for v on the float32 grid near (2k + 1)/510.
    const cases: [number, number][] = [];
    for (let k = 0; k < 255 && cases.length < 5; k += 2) {
      const center = (2 * k + 1) / 510;
      for (let d = -64; d <= 64; d++) {
        const x = f32(2 * (center - 0.5) + d * 2 ** -24);
        const v = Math.min(1, Math.max(0, f32(f32(x / 2) + 0.5)));
        if (f32(v * 255) === k + 0.5) {
          cases.push([x, k]);
          break;
        }
      }
    }
    expect(cases.length).toBe(5);
    const xs = cases.map(([x]) => x);
    const px = imagesToPixels({ data: Float32Array.from([...xs, ...xs, ...xs]), shape: [1, 3, 1, xs.length] });
    for (const [i, [, k]] of cases.entries()) expect(px[3 * i]).toBe(k);
  });

  it('lays out [N, H, W, 3] for RGB and [N, H, W, 4] with opaque alpha for RGBA', () => {
    // Two 1×2 images; channel c of image n at pixel p has value chosen so each pixel is distinct.
    const vals = [-1, 1, 0, -1, 1, 0, /* image 1 */ 1, 1, -1, -1, 0, 0];
    const t = { data: Float32Array.from(vals), shape: [2, 3, 1, 2] };
    // image 0: R = [−1, 1], G = [0, −1], B = [1, 0]; image 1: R = [1, 1], G = [−1, −1], B = [0, 0].
    expect(Array.from(imagesToPixels(t))).toEqual([0, 128, 255, 255, 0, 128, 255, 0, 128, 255, 0, 128]);
    expect(Array.from(imagesToPixels(t, 4))).toEqual([0, 128, 255, 255, 255, 0, 128, 255, 255, 0, 128, 255, 255, 0, 128, 255]);
  });

  it('rejects tensors that are not [N, 3, H, W]', () => {
    expect(() => imagesToPixels({ data: new Float32Array(8), shape: [1, 4, 1, 2] })).toThrow(RangeError);
    expect(() => imagesToPixels({ data: new Float32Array(6), shape: [3, 1, 2] })).toThrow(RangeError);
  });
});
