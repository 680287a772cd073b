/**
 * RGBA → I420 (planar Y, then U and V at half resolution) with the BT.709 matrix in limited range: the same
 * conversion ffmpeg does for the x264 path (`scale=out_color_matrix=bt709:out_range=tv`), so that both encoders
 * hand the same YUV to H.264 and tag it the same way. Chroma is the mean of each 2×2 block. Alpha is ignored.
 */

/** BT.709 luma weights. */
const KR = 0.2126;
const KB = 0.0722;
const KG = 1 - KR - KB;

/** Byte layout of one I420 frame of an even width × height. */
export function i420Layout(width: number, height: number): { ySize: number; uvSize: number; frameSize: number } {
  const ySize = width * height;
  const uvSize = (width / 2) * (height / 2);
  return { ySize, uvSize, frameSize: ySize + 2 * uvSize };
}

const clampByte = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** One frame of `width`×`height` (both even) RGBA → I420 bytes (Y plane, U plane, V plane, tightly packed). */
export function rgbaToI420(rgba: Uint8Array, width: number, height: number, out?: Uint8Array): Uint8Array {
  const { ySize, uvSize, frameSize } = i420Layout(width, height);
  const dst = out ?? new Uint8Array(frameSize);
  // Limited range: Y in [16, 235], U/V in [16, 240] around 128.
  const yScale = 219 / 255;
  const cScale = 224 / 255;
  for (let i = 0, p = 0; i < ySize; i++, p += 4) {
    const r = rgba[p] as number;
    const g = rgba[p + 1] as number;
    const b = rgba[p + 2] as number;
    dst[i] = clampByte(16 + yScale * (KR * r + KG * g + KB * b));
  }
  const halfW = width / 2;
  for (let cy = 0; cy < height / 2; cy++) {
    for (let cx = 0; cx < halfW; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const p = ((2 * cy + dy) * width + 2 * cx + dx) * 4;
          r += rgba[p] as number;
          g += rgba[p + 1] as number;
          b += rgba[p + 2] as number;
        }
      }
      r /= 4;
      g /= 4;
      b /= 4;
      const y = KR * r + KG * g + KB * b;
      const c = cy * halfW + cx;
      dst[ySize + c] = clampByte(128 + (cScale * (b - y)) / (2 * (1 - KB)));
      dst[ySize + uvSize + c] = clampByte(128 + (cScale * (r - y)) / (2 * (1 - KR)));
    }
  }
  return dst;
}
