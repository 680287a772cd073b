import world from '../../tools/tinyworld/world.json' with { type: 'json' };
import type { FrameSet } from './video-metrics.js';

/**
 * Prompt-aware scores for the tiny world (tools/tinyworld/world.json): the prompt names a colour, a shape,
 * a direction and maybe a background, so a video can be checked against it without any model:
 * segment the object from the background colour, then compare its colour, its outline and its track.
 */
type Rgb = [number, number, number];
const table = <T>(obj: Record<string, number[]>) => Object.fromEntries(Object.entries(obj)) as Record<string, T>;
const COLOURS = table<Rgb>(world.colours);
const BACKGROUNDS = table<Rgb>(world.backgrounds);
const SHAPES: string[] = world.shapes;
const DIRECTIONS = table<[number, number]>(world.directions);

export interface WorldPrompt {
  colour: string;
  shape: string;
  direction: string;
  background?: string;
}

export function parseWorldPrompt(prompt: string): WorldPrompt {
  const words = prompt.toLowerCase().split(/\s+/);
  const find = (names: string[]) => names.find((n) => words.includes(n));
  const colour = find(Object.keys(COLOURS));
  const shape = find(SHAPES);
  const direction = find(Object.keys(DIRECTIONS));
  const bgIndex = words.indexOf('background');
  const background = bgIndex > 0 ? find(Object.keys(BACKGROUNDS).filter((b) => words[bgIndex - 1] === b)) : undefined;
  if (!colour || !shape || !direction)
    throw new RangeError(`"${prompt}" does not name a colour, a shape and a direction of the tiny world`);
  return { colour, shape, direction, ...(background ? { background } : {}) };
}

export interface WorldScores {
  /** Fraction of frames whose object colour is nearest to the prompt's colour. */
  colourAccuracy: number;
  /** Fraction of frames whose object outline best matches the prompt's shape (IoU against ideal shapes). */
  shapeAccuracy: number;
  /** Mean IoU of the object with the ideal prompt shape of the same area and centroid. */
  shapeIoU: number;
  /** 1 when the object's track goes the prompt's way by at least 4 px, else 0. */
  motionCorrect: number;
  /** Displacement along the prompt's direction, first to last frame, in pixels. */
  motionAlongPx: number;
  /** Mean absolute luma difference between consecutive frames after moving the previous frame with the object. */
  compensatedDifference: number;
  /** Relative change of the object's area over time (std / mean): lower is steadier. */
  areaInstability: number;
  /** Fraction of frames where an object was found at all. */
  objectFound: number;
}

interface FrameObject {
  area: number;
  cx: number;
  cy: number;
  colour: Rgb;
  mask: Uint8Array;
}

function px(f: FrameSet, frame: number, i: number): Rgb {
  const o = (frame * f.width * f.height + i) * f.channels;
  return [f.data[o] as number, f.data[o + 1] as number, f.data[o + 2] as number];
}

function estimateBackground(f: FrameSet, frame: number): Rgb {
  // The median of the border pixels: the object rarely covers the frame edge.
  const border: Rgb[] = [];
  for (let x = 0; x < f.width; x++) border.push(px(f, frame, x), px(f, frame, (f.height - 1) * f.width + x));
  for (let y = 0; y < f.height; y++) border.push(px(f, frame, y * f.width), px(f, frame, y * f.width + f.width - 1));
  const med = (k: 0 | 1 | 2) => border.map((p) => p[k]).sort((a, b) => a - b)[border.length >> 1] as number;
  return [med(0), med(1), med(2)];
}

function findObject(f: FrameSet, frame: number, bg: Rgb): FrameObject | null {
  const n = f.width * f.height;
  const mask = new Uint8Array(n);
  let area = 0;
  let sx = 0;
  let sy = 0;
  const channels: [number[], number[], number[]] = [[], [], []];
  for (let i = 0; i < n; i++) {
    const p = px(f, frame, i);
    const d = Math.max(Math.abs(p[0] - bg[0]), Math.abs(p[1] - bg[1]), Math.abs(p[2] - bg[2]));
    if (d > 40) {
      mask[i] = 1;
      area++;
      sx += (i % f.width) + 0.5;
      sy += Math.floor(i / f.width) + 0.5;
      channels[0].push(p[0]);
      channels[1].push(p[1]);
      channels[2].push(p[2]);
    }
  }
  if (area < 8) return null;
  // The median, not the mean: the fill dominates, while the dark outline and blended edges would pull a mean.
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1] as number;
  return { area, cx: sx / area, cy: sy / area, colour: [median(channels[0]), median(channels[1]), median(channels[2])], mask };
}

const dist = (a: Rgb, b: Rgb) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

function nearest(colour: Rgb): string {
  let best = '';
  let bestD = Number.POSITIVE_INFINITY;
  for (const [name, rgb] of Object.entries(COLOURS)) {
    const d = dist(colour, rgb);
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  return best;
}

/** Ideal shape of the given area centred on the object's centroid (same geometry as the world's renderer). */
function idealMask(shape: string, area: number, cx: number, cy: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const r = Math.sqrt(area / Math.PI);
  const s = Math.sqrt(area) / 2;
  const t = Math.sqrt(area / 1.75);
  const d = Math.sqrt(area / 2);
  const ty = cy - t / 6; // a triangle's centroid sits 1/6 of its size below its box centre
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      let inside = false;
      if (shape === 'circle') inside = Math.hypot(dx, dy) <= r;
      else if (shape === 'square') inside = Math.max(Math.abs(dx), Math.abs(dy)) <= s;
      else if (shape === 'diamond') inside = Math.abs(dx) + Math.abs(dy) <= d;
      else {
        const ry = y + 0.5 - ty;
        // Upward triangle with apex (0, −t) and base corners (±t, 0.75t).
        inside = ry <= 0.75 * t && ry >= -t && Math.abs(dx) <= (ry + t) / 1.75;
      }
      if (inside) out[y * width + x] = 1;
    }
  }
  return out;
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] || b[i]) union++;
    if (a[i] && b[i]) inter++;
  }
  return union === 0 ? 0 : inter / union;
}

export function scoreWorldVideo(f: FrameSet, prompt: WorldPrompt): WorldScores {
  const objects: (FrameObject | null)[] = [];
  for (let k = 0; k < f.count; k++) {
    const bg = prompt.background ? (BACKGROUNDS[prompt.background] as Rgb) : estimateBackground(f, k);
    objects.push(findObject(f, k, bg));
  }
  const found = objects.filter((o): o is FrameObject => o !== null);
  let colourHits = 0;
  let shapeHits = 0;
  let iouSum = 0;
  for (const o of found) {
    if (nearest(o.colour) === prompt.colour) colourHits++;
    const scores = SHAPES.map((s) => iou(o.mask, idealMask(s, o.area, o.cx, o.cy, f.width, f.height)));
    const best = SHAPES[scores.indexOf(Math.max(...scores))];
    if (best === prompt.shape) shapeHits++;
    iouSum += scores[SHAPES.indexOf(prompt.shape)] as number;
  }
  const dir = DIRECTIONS[prompt.direction] as [number, number];
  const first = found[0];
  const last = found[found.length - 1];
  const along = first && last ? (last.cx - first.cx) * dir[0] + (last.cy - first.cy) * dir[1] : 0;
  const across = first && last ? Math.abs((last.cx - first.cx) * dir[1]) + Math.abs((last.cy - first.cy) * dir[0]) : 0;
  const areas = found.map((o) => o.area);
  const meanArea = areas.reduce((s, a) => s + a, 0) / Math.max(1, areas.length);
  const stdArea = Math.sqrt(areas.reduce((s, a) => s + (a - meanArea) ** 2, 0) / Math.max(1, areas.length));
  const n = Math.max(1, found.length);
  return {
    colourAccuracy: colourHits / n,
    shapeAccuracy: shapeHits / n,
    shapeIoU: iouSum / n,
    motionCorrect: along >= 4 && along > across ? 1 : 0,
    motionAlongPx: along,
    compensatedDifference: compensatedDifference(f, objects),
    areaInstability: meanArea > 0 ? stdArea / meanArea : 1,
    objectFound: found.length / f.count,
  };
}

function compensatedDifference(f: FrameSet, objects: (FrameObject | null)[]): number {
  let total = 0;
  let pairs = 0;
  for (let k = 1; k < f.count; k++) {
    const a = objects[k - 1];
    const b = objects[k];
    const dx = a && b ? Math.round(b.cx - a.cx) : 0;
    const dy = a && b ? Math.round(b.cy - a.cy) : 0;
    let s = 0;
    for (let y = 0; y < f.height; y++) {
      for (let x = 0; x < f.width; x++) {
        const sx = Math.min(f.width - 1, Math.max(0, x - dx));
        const sy = Math.min(f.height - 1, Math.max(0, y - dy));
        const p = px(f, k, y * f.width + x);
        const q = px(f, k - 1, sy * f.width + sx);
        s += (Math.abs(p[0] - q[0]) + Math.abs(p[1] - q[1]) + Math.abs(p[2] - q[2])) / 3;
      }
    }
    total += s / (f.width * f.height);
    pairs++;
  }
  return pairs ? total / pairs : 0;
}
