/**
 * latentPreview: rgb = M·latent + bias per latent pixel, scaled to 0..255, rounded and clamped, alpha 255,
 * frames in batch-then-frame order. Expected values worked out by hand below.
 */
import { describe, expect, it } from 'vitest';
import { latentPreview } from '../../src/engine/preview.js';

describe('latentPreview', () => {
  it('maps each latent pixel through the matrix and bias, rounds, clamps to [0, 255], alpha 255', () => {
    // [B=1, C=2, F=2, h=1, w=2]; data index ((b·C + c)·F + f)·(h·w) + p.
    const latents = {
      // channel 0: frame 0 [0.1, 0.5], frame 1 [-1, 2]; channel 1: frame 0 [0.2, -0.4], frame 1 [0, 0.25]
      data: new Float32Array([0.1, 0.5, -1, 2, 0.2, -0.4, 0, 0.25]),
      shape: [1, 2, 2, 1, 2],
    };
    const map = {
      latentToRgb: [
        [1, 0], // R = l0
        [0.5, 0.5], // G = (l0 + l1) / 2 + 0.1
        [-1, 2], // B = -l0 + 2·l1 + 0.5
      ],
      bias: [0, 0.1, 0.5],
    };
    const out = latentPreview(latents, map, 8);
    expect(out).toMatchObject({ width: 2, height: 1, count: 2, fps: 8 });
    expect([...out.rgba]).toEqual([
      // frame 0, pixel 0: l = (0.1, 0.2): R 0.1·255 = 25.5 → 26; G 0.25 → 63.75 → 64; B 0.8 → 204
      26, 64, 204, 255,
      // frame 0, pixel 1: l = (0.5, -0.4): R 127.5 → 128; G 0.15 → 38.25 → 38; B -0.8 → clamped 0
      128, 38, 0, 255,
      // frame 1, pixel 0: l = (-1, 0): R -1 → 0; G -0.4 → 0; B 1.5 → 382.5 → clamped 255
      0, 0, 255, 255,
      // frame 1, pixel 1: l = (2, 0.25): R 2 → 255; G 1.225 → 255; B -1 → 0
      255, 255, 0, 255,
    ]);
  });

  it('orders frames batch after batch', () => {
    // [B=2, C=1, F=1, h=1, w=1]: one pixel per video.
    const latents = { data: new Float32Array([0.2, 0.6]), shape: [2, 1, 1, 1, 1] };
    const out = latentPreview(latents, { latentToRgb: [[1], [0], [2]], bias: [0, 0.5, 0] }, 12);
    expect(out).toMatchObject({ width: 1, height: 1, count: 2, fps: 12 });
    // 0.2·255 = 51, 0.5·255 = 127.5 → 128, 0.4·255 = 102; 0.6·255 = 153, 1.2 → 255.
    expect([...out.rgba]).toEqual([51, 128, 102, 255, 153, 128, 255, 255]);
  });

  it('a zero matrix gives the bias everywhere', () => {
    const latents = { data: new Float32Array(4 * 3 * 2 * 2).map((_, i) => i - 20), shape: [1, 4, 3, 2, 2] };
    const zero = [0, 0, 0, 0];
    const out = latentPreview(latents, { latentToRgb: [zero, zero, zero], bias: [0, 1, 0.2] }, 8);
    expect(out.rgba.length).toBe(3 * 2 * 2 * 4);
    for (let i = 0; i < out.rgba.length; i += 4) expect([...out.rgba.subarray(i, i + 4)]).toEqual([0, 255, 51, 255]);
  });
});
