import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackReader } from '../runtime/pack-reader.js';

/** A diffusers-ONNX folder on disk. */
export function dirPackReader(dir: string): PackReader {
  return {
    location: dir.endsWith('/') ? dir : `${dir}/`,
    exists: async (path) => existsSync(join(dir, path)),
    read: async (path) => new Uint8Array(await readFile(join(dir, path))),
  };
}
