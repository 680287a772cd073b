import { zipSync } from 'fflate';
import type { VideoFrames } from '../../engine/types.js';

/** A canvas to draw one frame on: OffscreenCanvas where the browser has it, else a detached <canvas>. */
function frameCanvas(width: number, height: number): OffscreenCanvas | HTMLCanvasElement {
  if (typeof OffscreenCanvas === 'function') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function context2d(canvas: OffscreenCanvas | HTMLCanvasElement): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D {
  const context = canvas.getContext('2d', { willReadFrequently: true }) as
    | OffscreenCanvasRenderingContext2D
    | CanvasRenderingContext2D
    | null;
  if (!context) throw new Error('This browser cannot draw on a 2D canvas, which PNG export needs.');
  return context;
}

async function canvasToPng(canvas: OffscreenCanvas | HTMLCanvasElement): Promise<Uint8Array> {
  const blob =
    canvas instanceof HTMLCanvasElement
      ? await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'))
      : await canvas.convertToBlob({ type: 'image/png' });
  if (!blob) throw new Error('The browser could not encode the frame as PNG.');
  return new Uint8Array(await blob.arrayBuffer());
}

function frameImage(frames: VideoFrames, index: number): ImageData {
  const size = frames.width * frames.height * 4;
  const pixels = new Uint8ClampedArray(size);
  pixels.set(frames.rgba.subarray(index * size, (index + 1) * size));
  return new ImageData(pixels, frames.width, frames.height);
}

/** Every frame as a lossless PNG, in order (the browser's own encoder). */
export async function encodePngFrames(frames: VideoFrames): Promise<Uint8Array[]> {
  const canvas = frameCanvas(frames.width, frames.height);
  const context = context2d(canvas);
  const pngs: Uint8Array[] = [];
  for (let i = 0; i < frames.count; i++) {
    context.putImageData(frameImage(frames, i), 0, 0);
    pngs.push(await canvasToPng(canvas));
  }
  return pngs;
}

/** A small PNG of one frame, at most `maxSide` pixels on its longer side, for lists. */
export async function encodeThumbnail(frames: VideoFrames, index: number, maxSide = 128): Promise<Uint8Array> {
  const source = frameCanvas(frames.width, frames.height);
  context2d(source).putImageData(frameImage(frames, Math.max(0, Math.min(frames.count - 1, index))), 0, 0);
  const scale = Math.min(1, maxSide / Math.max(frames.width, frames.height));
  if (scale === 1) return canvasToPng(source);
  const thumb = frameCanvas(Math.max(1, Math.round(frames.width * scale)), Math.max(1, Math.round(frames.height * scale)));
  const context = context2d(thumb);
  context.imageSmoothingQuality = 'high';
  context.drawImage(source, 0, 0, thumb.width, thumb.height);
  return canvasToPng(thumb);
}

/**
 * PNG frames back into one RGBA video. Decoded without colour conversion or premultiplication so that
 * the opaque frames this app writes come back byte for byte.
 */
export async function decodePngFrames(pngs: Uint8Array[], fps: number): Promise<VideoFrames> {
  const first = pngs[0];
  if (!first) throw new Error('The video has no frames.');
  let rgba: Uint8Array | null = null;
  let width = 0;
  let height = 0;
  for (const [i, png] of pngs.entries()) {
    const bitmap = await createImageBitmap(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
    if (!rgba) {
      width = bitmap.width;
      height = bitmap.height;
      rgba = new Uint8Array(width * height * 4 * pngs.length);
    } else if (bitmap.width !== width || bitmap.height !== height) {
      throw new Error(`Frame ${i + 1} is ${bitmap.width}×${bitmap.height}, the first is ${width}×${height}.`);
    }
    const canvas = frameCanvas(width, height);
    const context = context2d(canvas);
    context.drawImage(bitmap, 0, 0);
    bitmap.close();
    rgba.set(context.getImageData(0, 0, width, height).data, i * width * height * 4);
  }
  return { width, height, count: pngs.length, fps, rgba: rgba as Uint8Array };
}

/** Name of frame `index` (0-based) in a zip of `count` frames: frame-01.png …, sorted in playing order. */
export function pngFrameName(index: number, count: number): string {
  return `frame-${String(index + 1).padStart(Math.max(2, String(count).length), '0')}.png`;
}

/** The frames in one zip, stored as they are (PNG is already compressed). */
export function zipPngFrames(pngs: Uint8Array[]): Uint8Array {
  const entries: Record<string, [Uint8Array, { level: 0 }]> = {};
  pngs.forEach((png, i) => {
    entries[pngFrameName(i, pngs.length)] = [png, { level: 0 }];
  });
  return zipSync(entries);
}
