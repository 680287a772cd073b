import { describe, expect, it } from 'vitest';
import { framesToVideo, videoToFrames } from '../../src/core/tensor/video-layout.js';
import { wave } from './support.js';

// Each element's value encodes its own [b, c, f, y, x] index, so a misplaced element is visible.
function indexedVideo(B: number, C: number, F: number, H: number, W: number): Float32Array {
  const data = new Float32Array(B * C * F * H * W);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let f = 0; f < F; f++)
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++) data[(((b * C + c) * F + f) * H + y) * W + x] = b * 10000 + c * 1000 + f * 100 + y * 10 + x;
  return data;
}

describe('videoToFrames / framesToVideo (einops b c f h w -> (b f) c h w)', () => {
  const [B, C, F, H, W] = [2, 4, 3, 2, 5];

  it('maps frames[(b·F + f), c, y, x] = video[b, c, f, y, x] for B = 2 (spec §1.0)', () => {
    const video = { data: indexedVideo(B, C, F, H, W), shape: [B, C, F, H, W] };
    const frames = videoToFrames(video);
    expect(frames.shape).toEqual([B * F, C, H, W]);
    for (let b = 0; b < B; b++)
      for (let f = 0; f < F; f++)
        for (let c = 0; c < C; c++)
          for (let y = 0; y < H; y++)
            for (let x = 0; x < W; x++) {
              const r = b * F + f;
              expect(frames.data[((r * C + c) * H + y) * W + x]).toBe(b * 10000 + c * 1000 + f * 100 + y * 10 + x);
            }
  });

  it('is a permute, not a plain reshape', () => {
    const video = { data: indexedVideo(B, C, F, H, W), shape: [B, C, F, H, W] };
    expect(videoToFrames(video).data).not.toEqual(video.data);
    // Second element of frame row 0 (c = 0, y = 0, x = 1) vs. channel 1 of frame 0: row 0 is b=0, f=0.
    expect(videoToFrames(video).data[H * W]).toBe(1000); // [r=0, c=1, 0, 0] = video[0, 1, 0, 0, 0]
  });

  it('round-trips: framesToVideo(videoToFrames(v), B) = v, and the other way round', () => {
    const video = { data: wave(B * C * F * H * W), shape: [B, C, F, H, W] };
    const back = framesToVideo(videoToFrames(video), B);
    expect(back.shape).toEqual([B, C, F, H, W]);
    expect(back.data).toEqual(video.data);
    const frames = { data: wave(B * F * C * H * W, 2, 1), shape: [B * F, C, H, W] };
    const again = videoToFrames(framesToVideo(frames, B));
    expect(again.shape).toEqual([B * F, C, H, W]);
    expect(again.data).toEqual(frames.data);
  });

  it('framesToVideo maps video[b, c, f, y, x] = frames[(b·F + f), c, y, x]', () => {
    const frames = new Float32Array(B * F * C * H * W);
    for (let r = 0; r < B * F; r++)
      for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) frames[(r * C + c) * H * W + p] = r * 100 + c * 10 + p;
    const video = framesToVideo({ data: frames, shape: [B * F, C, H, W] }, B);
    expect(video.shape).toEqual([B, C, F, H, W]);
    for (let b = 0; b < B; b++)
      for (let c = 0; c < C; c++)
        for (let f = 0; f < F; f++)
          for (let p = 0; p < H * W; p++)
            expect(video.data[((b * C + c) * F + f) * H * W + p]).toBe((b * F + f) * 100 + c * 10 + p);
  });

  it('does not modify its input', () => {
    const data = wave(B * C * F * H * W);
    const copy = Float32Array.from(data);
    videoToFrames({ data, shape: [B, C, F, H, W] });
    framesToVideo({ data, shape: [B * F, C, H, W] }, B);
    expect(data).toEqual(copy);
  });

  it('rejects wrong ranks and a frame count that does not divide by the batch', () => {
    expect(() => videoToFrames({ data: new Float32Array(8), shape: [2, 2, 2] })).toThrow(RangeError);
    expect(() => videoToFrames({ data: new Float32Array(7), shape: [1, 1, 2, 2, 2] })).toThrow(RangeError);
    expect(() => framesToVideo({ data: new Float32Array(16), shape: [2, 2, 2, 2, 1] }, 1)).toThrow(RangeError);
    expect(() => framesToVideo({ data: new Float32Array(12), shape: [3, 1, 2, 2] }, 2)).toThrow(RangeError);
  });
});
