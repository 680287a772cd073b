import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackReader } from '../runtime/pack-reader.js';

/** fs.readFile refuses files of 2 GiB or more (ERR_FS_FILE_TOO_LARGE); full-size weights are read in pieces. */
const READ_CHUNK_BYTES = 1 << 30;

/** A whole file into one Uint8Array, whatever its size. */
export async function readWholeFile(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const bytes = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await file.read(bytes, at, Math.min(READ_CHUNK_BYTES, size - at), at);
      if (bytesRead === 0) throw new Error(`${path}: the file ended after ${at} of ${size} bytes`);
      at += bytesRead;
    }
    return bytes;
  } finally {
    await file.close();
  }
}

/** A diffusers-ONNX folder on disk. */
export function dirPackReader(dir: string): PackReader {
  return {
    location: dir.endsWith('/') ? dir : `${dir}/`,
    exists: async (path) => existsSync(join(dir, path)),
    read: (path) => readWholeFile(join(dir, path)),
  };
}
