/**
 * The headers that make the page cross-origin isolated (SharedArrayBuffer, hence onnxruntime-web's WASM
 * threads). The app's server sends them (vite.config.ts); the service worker puts them back on every response
 * it serves from its cache, so that a page opened offline stays isolated, whatever the cached copy carried.
 */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The response with the isolation headers set. Opaque responses (status 0) cannot be rebuilt and are
 * returned as they are; a response that already has the three headers is returned untouched.
 */
export function withIsolationHeaders(response: Response): Response {
  if (response.status === 0) return response;
  const missing = Object.entries(ISOLATION_HEADERS).filter(([name, value]) => response.headers.get(name) !== value);
  if (missing.length === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of missing) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
