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

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    // Browsers only expose crypto.subtle to secure contexts.
    throw new Error(
      'Checking downloads needs crypto.subtle (SHA-256), which browsers only provide to pages served over https:// or from localhost. Serve the app over HTTPS.',
    );
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
