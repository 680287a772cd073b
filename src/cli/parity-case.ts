import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ParityCaseJson, parityCaseInitFile, parityCaseRequest } from '../pipeline/parity-case.js';
import type { TextToVideoRequest } from '../pipeline/text-to-video.js';

/** Read a parity case folder's case.json and initial noise from disk. */
export function readParityCase(casePath: string): { name: string; request: TextToVideoRequest } {
  const c = JSON.parse(readFileSync(casePath, 'utf8')) as ParityCaseJson;
  const initLatents = readFloat32File(join(dirname(casePath), parityCaseInitFile(c)));
  return { name: c.name ?? casePath, request: parityCaseRequest(c, initLatents) };
}

/** A raw little-endian float32 file (the fixture's .f32 tensors) as its own Float32Array. */
export function readFloat32File(path: string): Float32Array {
  const raw = readFileSync(path);
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}
