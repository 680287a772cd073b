import type { BlobEntry, BlobStore } from '../runtime/download/blob-store.js';
import { sha256Hex } from '../runtime/download/sha256.js';
import { type PackManifest, parsePackManifest } from '../runtime/pack/manifest.js';
import { borrowedFileKey, borrowedRecordKey, readRecord } from './borrowed-image-model.js';

/**
 * The packs the engine keeps in its store (OPFS in the browser, a folder in Node), as the model manager shows
 * them. The store holds two kinds of keys:
 * - `<pack-id>/<path>`: the pack's files, downloaded and verified by pack-loader.ts (partial ones too);
 * - `manifests/<sha256 of the pack URL>.json` (and `.url`, the URL itself): the manifest remembered by
 *   offline-reader.ts, so that the pack loads with the network cut.
 * A pack that borrows its IDM (manifest `imageModel`) keeps the borrowed files in its folder too, under
 * `<pack-id>/image-model/`, with `<pack-id>/image-model.json` for a folder its manifest lists no hashes for
 * (borrowed-image-model.ts): they count in the pack's size and go with it.
 */

const MANIFESTS_DIR = 'manifests';
const REMEMBERED = /^manifests\/([0-9a-f]{64})\.(json|url)$/;
/** The manifest's rule for pack ids (src/runtime/pack/manifest.ts): one folder name. */
const PACK_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface CachedPack {
  /** What removeCachedPack takes: the pack id, or the store key of a remembered manifest that cannot be read. */
  key: string;
  /** The pack id (its folder in the store); null for an unreadable manifest. */
  id: string | null;
  name: string;
  /** URLs the pack was downloaded from, as remembered with its manifest. */
  sources: string[];
  /** Bytes stored for the pack: its files (complete or partial) and its remembered manifests. */
  bytes: number;
  /** Files stored, complete or partial (manifests not counted). */
  files: number;
  /**
   * What the pack's manifest lists, with a borrowed IDM's files (those of imageModel.files, else those taken at
   * the last load); null when no manifest is remembered.
   */
  expected: { files: number; bytes: number } | null;
  /** Every file the manifest lists is stored, complete and of its size: the pack loads without a network. */
  complete: boolean;
}

export interface RemovedPack {
  key: string;
  /** Store entries deleted (files, partials and remembered manifests). */
  entries: number;
  bytes: number;
}

/** Removing a pack the engine is using right now is refused with this error; the message says what to do. */
export class PackInUseError extends Error {
  override name = 'PackInUseError';
}

/** Where offline-reader.ts remembers the manifest of the pack served under `location`. */
export async function rememberedManifestKeys(location: string): Promise<{ manifest: string; source: string }> {
  const hash = await sha256Hex(new TextEncoder().encode(location) as Uint8Array<ArrayBuffer>);
  return { manifest: `${MANIFESTS_DIR}/${hash}.json`, source: `${MANIFESTS_DIR}/${hash}.url` };
}

interface Remembered {
  hash: string;
  manifest?: BlobEntry;
  source?: BlobEntry;
}

/** Every pack with something in the store, sorted by name: sizes, file counts, whether it is complete. */
export async function listCachedPacks(store: BlobStore): Promise<CachedPack[]> {
  const { remembered, filesById } = await scan(store);
  const packs = new Map<string, CachedPack & { manifests: PackManifest[] }>();
  const packFor = (id: string, name = id) => {
    let pack = packs.get(id);
    if (!pack) {
      pack = { key: id, id, name, sources: [], bytes: 0, files: 0, expected: null, complete: false, manifests: [] };
      packs.set(id, pack);
    }
    return pack;
  };
  const unreadable: CachedPack[] = [];

  for (const r of remembered.values()) {
    const source = r.source?.complete ? new TextDecoder().decode(await store.readAll(r.source.key)) : null;
    const bytes = (r.manifest?.size ?? 0) + (r.source?.size ?? 0);
    const manifest = r.manifest?.complete ? await readManifest(store, r.manifest.key) : null;
    if (!manifest) {
      const key = r.manifest?.key ?? (r.source as BlobEntry).key;
      unreadable.push({
        key,
        id: null,
        name: `Unreadable manifest${source ? ` from ${source}` : ''}`,
        sources: source ? [source] : [],
        bytes,
        files: 0,
        expected: null,
        complete: false,
      });
      continue;
    }
    const pack = packFor(manifest.id, manifest.name);
    pack.name = manifest.name;
    pack.manifests.push(manifest);
    pack.bytes += bytes;
    if (source && !pack.sources.includes(source)) pack.sources.push(source);
  }

  for (const [id, files] of filesById) {
    const pack = packFor(id);
    // The record of a borrowed folder is bookkeeping, not a file of the pack (its bytes still count).
    pack.files = files.filter((f) => f.key !== borrowedRecordKey(id)).length;
    pack.bytes += files.reduce((n, f) => n + f.size, 0);
  }

  for (const pack of packs.values()) {
    const stored = new Map((filesById.get(pack.key) ?? []).map((f) => [f.key, f]));
    const borrowedRecord = await readRecord(store, borrowedRecordKey(pack.key));
    // A borrowed IDM: the files the manifest lists, else those taken at the last load (unknown before one).
    const borrowedFiles = (m: PackManifest) => (m.imageModel ? (m.imageModel.files ?? borrowedRecord?.files ?? null) : []);
    const expectedFiles = (m: PackManifest): { key: string; size: number }[] => [
      ...m.files.map((f) => ({ key: `${pack.key}/${f.path}`, size: f.size })),
      ...(borrowedFiles(m) ?? []).map((f) => ({ key: borrowedFileKey(pack.key, f.path), size: f.size })),
    ];
    const isComplete = (m: PackManifest) =>
      borrowedFiles(m) !== null &&
      expectedFiles(m).every((f) => {
        const entry = stored.get(f.key);
        return entry?.complete === true && entry.size === f.size;
      });
    // Two URLs may serve different versions of one pack: it is complete when one of them is all there.
    const best = pack.manifests.find(isComplete) ?? pack.manifests[0];
    pack.complete = best !== undefined && isComplete(best);
    const wanted = best ? expectedFiles(best) : [];
    pack.expected = best ? { files: wanted.length, bytes: wanted.reduce((n, f) => n + f.size, 0) } : null;
  }

  const listed: CachedPack[] = [...packs.values()].map(({ manifests: _, ...pack }) => pack);
  return [...listed, ...unreadable].sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
}

/**
 * Deletes a pack from the store: its files (complete and partial) and every remembered manifest of that pack
 * id. `key` is a CachedPack's key: a pack id, or the key of an unreadable remembered manifest. Removing
 * something that is not stored is fine (nothing to delete).
 */
export async function removeCachedPack(store: BlobStore, key: string): Promise<RemovedPack> {
  const { remembered, filesById } = await scan(store);
  const doomed: BlobEntry[] = [];
  const match = REMEMBERED.exec(key);
  if (match) {
    const r = remembered.get(match[1] as string);
    if (r?.manifest) doomed.push(r.manifest);
    if (r?.source) doomed.push(r.source);
  } else {
    if (!PACK_ID.test(key)) {
      throw new TypeError(
        `"${key}" is not a pack id (1–64 lowercase letters, digits, ".", "_" or "-") nor a remembered manifest's key.`,
      );
    }
    doomed.push(...(filesById.get(key) ?? []));
    for (const r of remembered.values()) {
      if (!r.manifest?.complete) continue;
      if ((await readManifest(store, r.manifest.key))?.id !== key) continue;
      doomed.push(r.manifest);
      if (r.source) doomed.push(r.source);
    }
  }
  for (const entry of doomed) await store.remove(entry.key);
  return { key, entries: doomed.length, bytes: doomed.reduce((n, e) => n + e.size, 0) };
}

/** The store's entries sorted into remembered manifests (by URL hash) and pack files (by pack id). */
async function scan(store: BlobStore): Promise<{ remembered: Map<string, Remembered>; filesById: Map<string, BlobEntry[]> }> {
  const remembered = new Map<string, Remembered>();
  const filesById = new Map<string, BlobEntry[]>();
  for (const entry of await store.list('')) {
    const match = REMEMBERED.exec(entry.key);
    if (match) {
      const hash = match[1] as string;
      const r = remembered.get(hash) ?? { hash };
      if (match[2] === 'json') r.manifest = entry;
      else r.source = entry;
      remembered.set(hash, r);
      continue;
    }
    const slash = entry.key.indexOf('/');
    // Pack files always sit in their pack's folder; a top-level file is none of ours and is left alone.
    if (slash < 0) continue;
    const id = entry.key.slice(0, slash);
    const files = filesById.get(id) ?? [];
    files.push(entry);
    filesById.set(id, files);
  }
  return { remembered, filesById };
}

async function readManifest(store: BlobStore, key: string): Promise<PackManifest | null> {
  try {
    return parsePackManifest(JSON.parse(new TextDecoder().decode(await store.readAll(key))), key);
  } catch {
    return null; // listed as unreadable, removable by its key
  }
}
