/**
 * Quality numbers that need no model: computed from the frames alone, so they run in the browser (Compare)
 * and in the Node benchmark alike. Frames are RGB or RGBA, frame after frame.
 */
export interface FrameSet {
  width: number;
  height: number;
  count: number;
  channels: 3 | 4;
  data: Uint8Array;
}

function luma(f: FrameSet, frame: number): Float32Array {
  const { width, height, channels, data } = f;
  const out = new Float32Array(width * height);
  const base = frame * width * height * channels;
  for (let i = 0; i < width * height; i++) {
    const o = base + i * channels;
    out[i] = 0.299 * (data[o] as number) + 0.587 * (data[o + 1] as number) + 0.114 * (data[o + 2] as number);
  }
  return out;
}

/**
 * Sharpness: the mean Sobel gradient magnitude of the strongest 5% of pixels (the edges), in luma levels per
 * pixel. Blur spreads an edge over more pixels and lowers its peak gradient; flat areas are ignored.
 */
export function sharpness(f: FrameSet): number {
  let total = 0;
  for (let k = 0; k < f.count; k++) {
    const y = luma(f, k);
    const { width: w, height: h } = f;
    const mags: number[] = [];
    for (let r = 1; r < h - 1; r++) {
      for (let c = 1; c < w - 1; c++) {
        const at = (dr: number, dc: number) => y[(r + dr) * w + c + dc] as number;
        const gx = at(-1, 1) + 2 * at(0, 1) + at(1, 1) - at(-1, -1) - 2 * at(0, -1) - at(1, -1);
        const gy = at(1, -1) + 2 * at(1, 0) + at(1, 1) - at(-1, -1) - 2 * at(-1, 0) - at(-1, 1);
        mags.push(Math.hypot(gx, gy) / 8);
      }
    }
    mags.sort((a, b) => b - a);
    const top = mags.slice(0, Math.max(1, Math.floor(mags.length * 0.05)));
    total += top.reduce((s, v) => s + v, 0) / top.length;
  }
  return total / f.count;
}

/** Mean absolute difference between consecutive frames (luma levels): motion plus flicker. */
export function frameToFrameDifference(f: FrameSet): number {
  if (f.count < 2) return 0;
  let total = 0;
  let prev = luma(f, 0);
  for (let k = 1; k < f.count; k++) {
    const cur = luma(f, k);
    let s = 0;
    for (let i = 0; i < cur.length; i++) s += Math.abs((cur[i] as number) - (prev[i] as number));
    total += s / cur.length;
    prev = cur;
  }
  return total / (f.count - 1);
}

/**
 * Flicker: how much the whole-frame brightness jumps from frame to frame, beyond a smooth trend — the mean
 * absolute second difference of mean luma. Moving content barely changes mean luma; flicker does.
 */
export function flicker(f: FrameSet): number {
  if (f.count < 3) return 0;
  const means: number[] = [];
  for (let k = 0; k < f.count; k++) {
    const y = luma(f, k);
    means.push(y.reduce((s, v) => s + v, 0) / y.length);
  }
  let s = 0;
  for (let k = 1; k < means.length - 1; k++)
    s += Math.abs((means[k + 1] as number) - 2 * (means[k] as number) + (means[k - 1] as number));
  return s / (means.length - 2);
}
