/** SHA-256 through WebCrypto, which browsers and Node 20 both provide as globalThis.crypto. */

const HEX = /^[0-9a-f]{64}$/;

/** The hash in the canonical lower-case form, or a TypeError naming the file when it is not 64 hex digits. */
export function normalizeSha256(sha256: string, what: string): string {
  const hex = sha256.trim().toLowerCase();
  if (!HEX.test(hex)) {
    throw new TypeError(`${what}: "${sha256}" is not a SHA-256 hash (64 hex digits). Fix the pack manifest.`);
  }
  return hex;
}

/**
 * WebCrypto's digest takes the whole input at once, and Node refuses inputs of 2 GiB or more ("data must be
 * less than 2147483648 bits"); a full-size fp16 pack's video UNet weights are 2.6 GB. Those are hashed
 * incrementally with @noble/hashes instead (slower, same result).
 */
const WEBCRYPTO_MAX_BYTES = 2 ** 31 - 1;
const CHUNK_BYTES = 64 * 2 ** 20;

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  if (bytes.byteLength > WEBCRYPTO_MAX_BYTES) return incrementalSha256Hex(bytes);
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    // Browsers only expose crypto.subtle to secure contexts.
    throw new Error(
      'Checking downloads needs crypto.subtle (SHA-256), which browsers only provide to pages served over https:// or from localhost. Serve the app over HTTPS.',
    );
  }
  return toHex(new Uint8Array(await subtle.digest('SHA-256', bytes)));
}

/** The incremental path on its own (sha256Hex takes it for inputs WebCrypto refuses). */
export async function incrementalSha256Hex(bytes: Uint8Array): Promise<string> {
  const { sha256 } = await import('@noble/hashes/sha2.js');
  const hash = sha256.create();
  for (let at = 0; at < bytes.byteLength; at += CHUNK_BYTES) hash.update(bytes.subarray(at, at + CHUNK_BYTES));
  return toHex(hash.digest());
}

function toHex(digest: Uint8Array): string {
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
