/**
 * Shared pieces of the engine tests: an Engine on onnxruntime-web's WASM build with fake capabilities, the
 * bundled pack's folder, temp copies of it to damage, and a manifest writer that rehashes the files.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { expect } from 'vitest';
import { dirPackReader } from '../../src/cli/models-dir.js';
import { Engine } from '../../src/engine/engine.js';
import type { Capabilities, EngineProgress, GenerateRequest, GenerateResult } from '../../src/engine/types.js';
import type { BlobStore } from '../../src/runtime/download/blob-store.js';

ort.env.wasm.numThreads = 1;

export const PACK_DIR = join(import.meta.dirname, '..', '..', 'public', 'models', 'tinyworld-v2');

/** What Node offers: no WebGPU, single-threaded WASM. */
export const NODE_CAPS: Capabilities = {
  webgpu: { available: false, reason: 'navigator.gpu is missing (Node has no WebGPU).' },
  wasm: { threads: 1, crossOriginIsolated: true },
};

/**
 * An engine on WASM with fake capabilities. Without a store, sources are folders read by dirPackReader. With
 * a store, the engine's own reader is kept (urlPackReader, remembering manifests in the store for offline
 * loads), so sources must be http URLs: the files are downloaded into the store, verified, and read from it.
 */
export function makeEngine(options: { store?: BlobStore; caps?: Capabilities } = {}): Engine {
  const caps = options.caps ?? NODE_CAPS;
  const probe = async () => caps;
  if (options.store) return new Engine(ort, { store: options.store, probe });
  return new Engine(ort, {
    readerFor: (source) => {
      if (source.kind !== 'url') throw new Error('the Node tests load folders as url sources');
      return dirPackReader(source.baseUrl);
    },
    probe,
  });
}

export function dirSource(dir: string) {
  return { kind: 'url' as const, baseUrl: dir };
}

/** A small, fast generation of the tiny pack (iv-iv, 3 steps, 4 frames: 15 model calls). */
export function smallRequest(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    prompt: 'a red circle moving left on a black background',
    seed: 7,
    frames: 4,
    settings: { steps: 3 },
    previewEvery: 1,
    ...overrides,
  };
}

/**
 * The cheapest generation that still runs every part (1 DDIM step). Same shape as smallRequest (4 frames,
 * batched CFG), so the engine does not re-create its shape-pinned sessions between the two.
 */
export const TINY_REQUEST: GenerateRequest = {
  prompt: 'a blue square moving up on a gray background',
  seed: 1,
  frames: 4,
  settings: { steps: 1, variant: 'ddim' },
  previewEvery: 0,
};

export async function generateCollecting(
  engine: Engine,
  request: GenerateRequest,
): Promise<{ result: GenerateResult; events: EngineProgress[] }> {
  const events: EngineProgress[] = [];
  const result = await engine.generate(request, (e) => events.push(e));
  return { result, events };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Temp folders made by copyPack / tempDir; remove them with removeTempDirs() in afterAll. */
const temps: string[] = [];

export async function tempDir(prefix = 'ivmix-engine-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A copy of the bundled pack in a temp folder (no trailing slash, as a user would type it). */
export async function copyPack(): Promise<string> {
  const dir = join(await tempDir(), 'tinyworld-copy');
  await cp(PACK_DIR, dir, { recursive: true });
  return dir;
}

export type ManifestJson = Record<string, unknown> & {
  files: { path: string; size: number; sha256: string }[];
  components: Record<string, unknown>;
};

export async function readManifest(dir: string): Promise<ManifestJson> {
  return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ManifestJson;
}

/** Rewrites manifest.json after `edit`, with the size and sha256 of every listed file recomputed from disk. */
export async function rewriteManifest(dir: string, edit: (m: ManifestJson) => void = () => {}): Promise<ManifestJson> {
  const manifest = await readManifest(dir);
  edit(manifest);
  for (const f of manifest.files) {
    const bytes = await readFile(join(dir, f.path));
    f.size = bytes.byteLength;
    f.sha256 = sha256(bytes);
  }
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Flips every bit of one byte of a file in place. */
export async function flipByte(path: string, at?: number): Promise<void> {
  const bytes = await readFile(path);
  const i = at ?? Math.floor(bytes.byteLength / 2);
  bytes[i] = (bytes[i] as number) ^ 0xff;
  await writeFile(path, bytes);
}

/** The engine is usable again: the intact bundled pack loads (and, with `generate`, generates). */
export async function expectEngineRecovers(engine: Engine, options: { generate?: boolean } = {}): Promise<void> {
  const summary = await engine.load(dirSource(PACK_DIR));
  expect(summary.pack.id).toBe('tinyworld-v2');
  expect(summary.pack.verified).toBe(true);
  if (!options.generate) return;
  const result = await engine.generate(TINY_REQUEST);
  expect(result.frames.count).toBe(4);
  expect(result.frames.rgba.length).toBe(4 * 64 * 64 * 4);
}
