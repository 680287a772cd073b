/**
 * A pack's IDM borrowed from an SD1.5 diffusers-ONNX folder (manifest `imageModel`), fetched like the pack's
 * own files: when the engine has a store, the borrowed files join the pack's download (streamed with byte
 * progress, resumed with Range, sha256-verified when the manifest lists them) and are kept under the pack's
 * folder in the store, so that listCachedPacks counts them, removeCachedPack deletes them, and the pack loads
 * with the network cut. Store keys:
 * - `<pack-id>/image-model/<path in the folder>`: the borrowed files;
 * - `<pack-id>/image-model.json`: for a folder the manifest lists no hashes for, which files were taken from
 *   where and their sizes (the folder is probed online; offline this record says what to read).
 */
import type { BlobStore } from '../runtime/download/blob-store.js';
import type { DownloadSetFile } from '../runtime/download/download-set.js';
import { bodyLength, parseContentRange } from '../runtime/download/http.js';
import {
  ExternalDataError,
  type ExternalDataOption,
  externalDataOption,
  resolveExternalData,
} from '../runtime/pack/external-data.js';
import {
  BORROWED_IMAGE_MODEL_DIR,
  BORROWED_IMAGE_MODEL_RECORD,
  type PackFile,
  type PackManifest,
} from '../runtime/pack/manifest.js';
import { externalDataLocations } from '../runtime/pack/onnx-external-refs.js';
import { describeSd15Folder, probeSd15Folder, readSd15ImageUnet, Sd15FolderError } from '../runtime/pack/sd15-folder.js';
import { PackLayoutError, type PackReader } from '../runtime/pack-reader.js';
import { verifyBytes } from './verify-bytes.js';

const UNET = 'unet/model.onnx';

/** A borrowed file: sha256 only when the pack's manifest lists it (imageModel.files). */
export interface BorrowedFile {
  path: string;
  size: number;
  sha256?: string;
}

/** What the store remembers of a folder borrowed without hashes. */
interface BorrowedRecord {
  baseUrl: string;
  files: { path: string; size: number }[];
}

export interface BorrowedImageModel {
  /** The folder, resolved (a URL or a path on disk). */
  location: string;
  /** Every borrowed file was checked against a sha256 from the pack's manifest. */
  verified: boolean;
  /** The files taken from the folder, with their sizes. */
  files: BorrowedFile[];
  /** Files to download along with the pack's own (empty when the folder is read directly). */
  downloads: DownloadSetFile[];
  /** What the load reports about where the IDM came from and how far it was checked. */
  notice: string;
  /** The graph and its external data, once `downloads` are in the store. */
  read(): Promise<{ model: Uint8Array; externalData: ExternalDataOption }>;
}

export function borrowedFileKey(packId: string, path: string): string {
  return `${packId}/${BORROWED_IMAGE_MODEL_DIR}/${path}`;
}

export function borrowedRecordKey(packId: string): string {
  return `${packId}/${BORROWED_IMAGE_MODEL_RECORD}`;
}

export interface PlanOptions {
  reader: PackReader;
  /** With a store the files are downloaded into it (the reader's location must then be an http URL). */
  store?: BlobStore;
  fetch?: typeof fetch;
  /** A load notice (e.g. the folder is unreachable and the stored copy is used). */
  log?: (message: string) => void;
}

/**
 * How the IDM of `manifest` (which has `imageModel`) is obtained: which files, downloaded into the store or
 * read from the folder, verified or not. Nothing is fetched here except the probes and sizes of a folder the
 * manifest lists no files for.
 */
export async function planBorrowedImageModel(manifest: PackManifest, options: PlanOptions): Promise<BorrowedImageModel> {
  const { reader, store } = options;
  const listed = manifest.imageModel?.files;
  const location = reader.location;
  const verified = listed !== undefined;
  const head = `Image model (IDM) from the SD1.5 folder ${location}, used as it is`;

  if (!store) {
    return {
      location,
      verified,
      files: listed ?? [],
      downloads: [],
      notice: verified
        ? `${head}; its files are verified against the sha256 the pack's manifest lists (imageModel.files).`
        : `${head}; the pack's manifest lists no sha256 for it (imageModel.files), so its files are not verified.`,
      read: () => readFromFolder(reader, listed),
    };
  }

  const files = listed ?? (await unhashedFiles(manifest.id, options));
  const key = (path: string) => borrowedFileKey(manifest.id, path);
  return {
    location,
    verified,
    files,
    downloads: files.map((f) => ({
      url: new URL(f.path, location).href,
      key: key(f.path),
      size: f.size,
      ...(f.sha256 ? { sha256: f.sha256 } : {}),
    })),
    notice: verified
      ? `${head}; its files are stored with the pack and verified against the sha256 the pack's manifest lists (imageModel.files).`
      : `${head}; the pack's manifest lists no sha256 for it (imageModel.files), so its files are stored with the pack after a size check only and are not verified.`,
    read: async () => {
      const model = await store.readAll(key(UNET));
      const externalData = await externalDataOption(
        referencedFiles(
          model,
          files.map((f) => f.path),
          location,
          verified,
        ),
        (p) => store.readAll(key(p)),
      );
      return { model, externalData };
    },
  };
}

/**
 * The unet/ files of a folder without hashes, with the sizes its server states; remembered in the store so
 * that the pack loads offline. When the folder cannot be reached, the remembered list (if any) is used.
 */
async function unhashedFiles(packId: string, options: PlanOptions): Promise<BorrowedFile[]> {
  const { reader, log } = options;
  const store = options.store as BlobStore;
  const recordKey = borrowedRecordKey(packId);
  let listing: string[];
  try {
    listing = await probeSd15Folder(reader);
  } catch (error) {
    const record = await readRecord(store, recordKey);
    if (!record || record.baseUrl !== reader.location) throw error;
    log?.(
      `The SD1.5 folder ${reader.location} cannot be reached (${(error as Error).message}); using its unet/ files stored with the pack at an earlier load.`,
    );
    return record.files;
  }
  const description = describeSd15Folder(listing, reader.location);
  const paths = [description.imageUnet.model, ...description.imageUnet.externalData.map((e) => e.packPath)];
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const files: BorrowedFile[] = [];
  for (const path of paths) files.push({ path, size: await remoteSize(new URL(path, reader.location).href, doFetch) });
  const record: BorrowedRecord = { baseUrl: reader.location, files };
  const writer = await store.openWriter(recordKey, { offset: 0 });
  await writer.write(new TextEncoder().encode(JSON.stringify(record)));
  await writer.close();
  await store.markComplete(recordKey);
  return files;
}

/** The files a borrowed folder without hashes had at the last load (for listCachedPacks), or null. */
export async function readRecord(store: BlobStore, key: string): Promise<BorrowedRecord | null> {
  const stat = await store.stat(key);
  if (!stat?.complete) return null;
  try {
    const value = JSON.parse(new TextDecoder().decode(await store.readAll(key))) as BorrowedRecord;
    const ok =
      typeof value?.baseUrl === 'string' &&
      Array.isArray(value.files) &&
      value.files.every((f) => typeof f?.path === 'string' && Number.isInteger(f.size) && f.size >= 0);
    return ok ? value : null;
  } catch {
    return null; // rewritten at the next online load
  }
}

/** A file's size as its server states it: HEAD's Content-Length, else the total of a one-byte range. */
async function remoteSize(url: string, doFetch: typeof fetch): Promise<number> {
  const head = await doFetch(url, { method: 'HEAD' });
  if (head.ok) {
    const length = bodyLength(head.headers);
    if (length !== undefined) return length;
  }
  const probe = await doFetch(url, { headers: { Range: 'bytes=0-0' } });
  await probe.body?.cancel();
  const total = parseContentRange(probe.headers.get('content-range'))?.total;
  if (probe.status === 206 && total !== undefined) return total;
  if (probe.ok) {
    const length = bodyLength(probe.headers);
    if (length !== undefined) return length;
  }
  throw new PackLayoutError(
    `${url}: the server does not say how large the file is (HTTP ${probe.status}, no Content-Length), so it cannot be stored. List the image model's files with their size and sha256 in the pack's manifest (imageModel.files; \`npm run pack:manifest -- <packDir> --image-model-dir <folder>\`).`,
  );
}

/** The external-data files the graph refers to, which must be among the borrowed files. */
function referencedFiles(model: Uint8Array, paths: string[], location: string, listedInManifest: boolean) {
  try {
    return resolveExternalData(UNET, paths, { referenced: externalDataLocations(model, `${location}${UNET}`) });
  } catch (error) {
    if (!(error instanceof ExternalDataError)) throw error;
    const hint = listedInManifest ? " List it in the pack manifest's imageModel.files with its size and sha256." : '';
    throw new Sd15FolderError(`${location}: ${error.message}${hint}`);
  }
}

/** The IDM read straight from the folder (no store): every file the manifest lists is hashed before use. */
async function readFromFolder(reader: PackReader, listed: PackFile[] | undefined) {
  if (!listed) return readSd15ImageUnet(reader);
  const entries = new Map(listed.map((f) => [f.path, f]));
  const verifying: PackReader = {
    location: reader.location,
    exists: reader.exists.bind(reader),
    async read(path) {
      const entry = entries.get(path);
      if (!entry) {
        throw new Sd15FolderError(
          `${reader.location}${path} is part of the image model but the pack manifest's imageModel.files does not list it, so it cannot be verified. List it with its size and sha256.`,
        );
      }
      const bytes = await reader.read(path);
      await verifyBytes(
        bytes,
        path,
        `${reader.location}${path}`,
        entry,
        (actual) =>
          `${reader.location}${path} does not match the pack manifest's imageModel.files (expected ${entry.size} bytes with sha256 ${entry.sha256}, got ${actual.size} bytes with sha256 ${actual.sha256}). The folder's file is damaged or from another version; copy it again, or regenerate the manifest.`,
      );
      return bytes;
    },
  };
  return readSd15ImageUnet(verifying);
}
