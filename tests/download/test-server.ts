/**
 * A real HTTP server on 127.0.0.1 for the download tests: serves generated files with ETag, Last-Modified and
 * single byte ranges (RFC 9110: 206, 416, If-Range), logs every request, and misbehaves on demand per path.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Faults {
  /** Once: send the headers of a full answer, then only this many body bytes, then drop the connection. */
  dropAfter?: number;
  /** Every time: send at most this many body bytes, then drop the connection. */
  dropEvery?: number;
  /** Always answer 200 with the whole file, whatever the Range. */
  ignoreRange?: boolean;
  /** Flip bytes in the body (the headers stay right): once, or on every request. */
  corrupt?: 'once' | 'always';
  /**
   * Once: a wrong Content-Length. 'short' declares (and sends) 1000 bytes less than the answer has; 'long'
   * declares 100 bytes more, sends the real body and drops the connection.
   */
  contentLength?: 'short' | 'long';
  /** Drop every connection before answering (a network error for the client). */
  refuse?: boolean;
  /** Answer with this status (and no body) this many times, then normally. */
  status?: { code: number; times: number };
  /** Pause between 64 KiB body chunks. */
  chunkDelayMs?: number;
}

export interface LoggedRequest {
  path: string;
  method: string;
  range: string | undefined;
  ifRange: string | undefined;
  status: number;
}

const CHUNK = 64 * 1024;
const LAST_MODIFIED = 'Wed, 01 Jan 2025 00:00:00 GMT';

/** Deterministic pseudo-random bytes (xorshift32), different per seed. */
export function generatedBytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class TestServer {
  readonly log: LoggedRequest[] = [];
  private readonly files = new Map<string, { bytes: Uint8Array; etag: string }>();
  private readonly faults = new Map<string, Faults>();
  private server: Server | undefined;
  private base = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.base = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** Serves `bytes` at `path`; a new version gets a new ETag. */
  serve(path: string, bytes: Uint8Array): void {
    this.files.set(path, { bytes, etag: `"${sha256(bytes).slice(0, 16)}"` });
  }

  etag(path: string): string | undefined {
    return this.files.get(path)?.etag;
  }

  /** Sets the faults of a path (replacing earlier ones); {} makes it behave again. */
  fault(path: string, faults: Faults): void {
    this.faults.set(path, { ...faults });
  }

  requests(path: string): LoggedRequest[] {
    return this.log.filter((r) => r.path === path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const faults = this.faults.get(path) ?? {};
    const entry: LoggedRequest = {
      path,
      method: req.method ?? 'GET',
      range: header(req, 'range'),
      ifRange: header(req, 'if-range'),
      status: 0,
    };
    this.log.push(entry);

    if (faults.refuse) {
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    if (faults.status && faults.status.times > 0) {
      faults.status.times--;
      entry.status = faults.status.code;
      res.writeHead(faults.status.code, { 'Content-Length': '0', 'Retry-After': '0' }).end();
      return;
    }
    const file = this.files.get(path);
    if (!file) {
      entry.status = 404;
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const size = file.bytes.byteLength;
    const headers: Record<string, string> = {
      'Accept-Ranges': 'bytes',
      ETag: file.etag,
      'Last-Modified': LAST_MODIFIED,
      'Content-Type': 'application/octet-stream',
    };

    // A range applies only without ignoreRange and when If-Range (if sent) names the current version.
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(entry.range ?? '');
    const ifRangeOk = entry.ifRange === undefined || entry.ifRange === file.etag || entry.ifRange === LAST_MODIFIED;
    if (range && !faults.ignoreRange && ifRangeOk) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(end, Number(range[2]));
      if (start >= size) {
        entry.status = 416;
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': '0' }).end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    let body = file.bytes.subarray(start, end + 1);
    if (faults.corrupt) {
      body = body.slice();
      for (let i = 0; i < body.length; i += 4099) body[i] = (body[i] as number) ^ 0xff;
      if (faults.corrupt === 'once') delete faults.corrupt;
    }
    let declared = body.byteLength;
    let dropAt: number | undefined;
    if (faults.contentLength === 'short') {
      declared = Math.max(0, declared - 1000);
      body = body.subarray(0, declared);
      delete faults.contentLength;
    } else if (faults.contentLength === 'long') {
      declared += 100;
      dropAt = body.byteLength;
      delete faults.contentLength;
    }
    if (faults.dropAfter !== undefined) {
      dropAt = Math.min(faults.dropAfter, body.byteLength);
      delete faults.dropAfter;
    } else if (faults.dropEvery !== undefined && faults.dropEvery < body.byteLength) {
      dropAt = faults.dropEvery;
    }
    entry.status = status;
    res.writeHead(status, { ...headers, 'Content-Length': String(declared) });
    const stop = dropAt ?? body.byteLength;
    for (let i = 0; i < stop; i += CHUNK) {
      if (res.destroyed) return;
      await write(res, body.subarray(i, Math.min(i + CHUNK, stop)));
      if (faults.chunkDelayMs) await new Promise((r) => setTimeout(r, faults.chunkDelayMs));
    }
    if (dropAt !== undefined) {
      // The bytes above are flushed to the socket; closing it now cuts the body short. The pause lets the
      // client read them first: fetch's body stream drops chunks still queued when it errors.
      await new Promise((r) => setTimeout(r, 30));
      res.socket?.destroy();
      return;
    }
    res.end();
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function write(res: ServerResponse, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    res.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}
