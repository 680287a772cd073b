import type { BlobStore } from '../runtime/download/blob-store.js';
import { MANIFEST_FILE } from '../runtime/pack/manifest.js';
import type { PackReader } from '../runtime/pack-reader.js';
import { rememberedManifestKeys } from './pack-cache.js';

/**
 * A URL pack reader that remembers each pack's manifest in the store, so that a pack downloaded once
 * loads with the network cut: the manifest comes from the store, and the files (verified against it) too.
 * Online, the server's manifest wins and refreshes the copy.
 */
export function offlineCapableReader(inner: PackReader, store: BlobStore): PackReader {
  const keys = () => rememberedManifestKeys(inner.location);
  const cached = async (): Promise<Uint8Array | null> => {
    const key = (await keys()).manifest;
    const stat = await store.stat(key);
    return stat?.complete ? store.readAll(key) : null;
  };
  const write = async (key: string, bytes: Uint8Array) => {
    const writer = await store.openWriter(key, { offset: 0 });
    await writer.write(bytes);
    await writer.close();
    await store.markComplete(key);
  };
  const remember = async (bytes: Uint8Array) => {
    const { manifest, source } = await keys();
    await write(manifest, bytes);
    // The URL beside it, so that the model manager can say where a cached pack came from (pack-cache.ts).
    await write(source, new TextEncoder().encode(inner.location));
  };
  return {
    location: inner.location,
    async exists(path) {
      if (path !== MANIFEST_FILE) return inner.exists(path);
      try {
        return (await inner.exists(path)) || (await cached()) !== null;
      } catch (error) {
        // Offline or a server error: the remembered copy, if any; otherwise the error, never "no manifest".
        if ((await cached()) !== null) return true;
        throw error;
      }
    },
    async read(path) {
      if (path !== MANIFEST_FILE) return inner.read(path);
      try {
        const bytes = await inner.read(path);
        await remember(bytes);
        return bytes;
      } catch (error) {
        const copy = await cached();
        if (copy) return copy;
        throw error;
      }
    },
  };
}
