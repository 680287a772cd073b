import { formatShape, numel, type Tensor } from './tensor.js';

/**
 * Video latents are [B, C, F, h, w] (what the video UNet takes); the image UNet takes a batch of
 * frames [B*F, C, h, w]. These are einops `b c f h w -> (b f) c h w` and its inverse: a permute,
 * not a plain reshape (reshaping without the permute is a classic porting bug the fixtures catch).
 */
export function videoToFrames(video: Tensor): Tensor {
  const [b, c, f, h, w] = expectRank(video, 5, 'video latents [B,C,F,h,w]') as [number, number, number, number, number];
  const plane = h * w;
  const out = new Float32Array(video.data.length);
  for (let bi = 0; bi < b; bi++) {
    for (let ci = 0; ci < c; ci++) {
      for (let fi = 0; fi < f; fi++) {
        const src = (((bi * c + ci) * f + fi) * plane) | 0;
        const dst = (((bi * f + fi) * c + ci) * plane) | 0;
        out.set(video.data.subarray(src, src + plane), dst);
      }
    }
  }
  return { data: out, shape: [b * f, c, h, w] };
}

export function framesToVideo(frames: Tensor, batch: number): Tensor {
  const [bf, c, h, w] = expectRank(frames, 4, 'frame latents [B*F,C,h,w]') as [number, number, number, number];
  if (bf % batch !== 0) throw new RangeError(`frame batch ${bf} is not a multiple of video batch ${batch}`);
  const f = bf / batch;
  const plane = h * w;
  const out = new Float32Array(frames.data.length);
  for (let bi = 0; bi < batch; bi++) {
    for (let fi = 0; fi < f; fi++) {
      for (let ci = 0; ci < c; ci++) {
        const src = ((bi * f + fi) * c + ci) * plane;
        const dst = ((bi * c + ci) * f + fi) * plane;
        out.set(frames.data.subarray(src, src + plane), dst);
      }
    }
  }
  return { data: out, shape: [batch, c, f, h, w] };
}

function expectRank(t: Tensor, rank: number, what: string): number[] {
  if (t.shape.length !== rank || t.data.length !== numel(t.shape)) {
    throw new RangeError(`expected ${what}, got shape ${formatShape(t.shape)}`);
  }
  return [...t.shape];
}
