import { IntegrityError } from '../runtime/download/errors.js';
import { sha256Hex } from '../runtime/download/sha256.js';

/** What the bytes should be: a manifest entry's size and sha256. */
export interface ExpectedFile {
  size: number;
  sha256: string;
}

/**
 * Bytes read from a folder (no store, so nothing verified them on the way in) checked against their manifest
 * entry before ORT sees them. `mismatch` words the message for the caller's manifest (the pack's files or a
 * borrowed image model's) from the expected and actual size and hash.
 */
export async function verifyBytes(
  bytes: Uint8Array,
  path: string,
  url: string,
  expected: ExpectedFile,
  mismatch: (actual: { size: number; sha256: string }) => string,
): Promise<void> {
  const sha256 = await sha256Hex(bytes as Uint8Array<ArrayBuffer>);
  if (bytes.byteLength === expected.size && sha256 === expected.sha256) return;
  const actual = { size: bytes.byteLength, sha256 };
  throw new IntegrityError(path, url, { size: expected.size, sha256: expected.sha256 }, actual, mismatch(actual));
}
