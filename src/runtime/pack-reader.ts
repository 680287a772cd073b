import { parseSchedulerConfig } from '../core/scheduler/config.js';
import type { Schedulers } from '../pipeline/text-to-video.js';
import type { ModelBytes } from './model-set.js';

/**
 * Where a pack's files come from: a folder on disk (Node), a URL prefix (the app's own server), or
 * files the user picked. Paths are relative, in the diffusers-ONNX layout.
 */
export interface PackReader {
  /** Human-readable location for messages. */
  readonly location: string;
  exists(path: string): Promise<boolean>;
  read(path: string): Promise<Uint8Array>;
}

export class PackLayoutError extends Error {
  override name = 'PackLayoutError';
}

export const PACK_FILES = {
  textEncoder: 'text_encoder/model.onnx',
  imageUnet: 'unet/model.onnx',
  videoUnet: 'motion_unet/model.onnx',
  vaeDecoder: 'vae_decoder/model.onnx',
  schedulerConfig: 'scheduler/scheduler_config.json',
  inverseSchedulerConfig: 'scheduler/inverse_scheduler_config.json',
} as const;

/** Read the ONNX parts and scheduler configs of a diffusers-ONNX folder. The IDM (unet/) is optional. */
export async function readPack(reader: PackReader): Promise<{ bytes: ModelBytes; schedulers: Schedulers }> {
  const need = async (path: string): Promise<Uint8Array> => {
    if (!(await reader.exists(path))) {
      throw new PackLayoutError(
        `${reader.location}: ${path} is missing. A model pack needs text_encoder/, motion_unet/, vae_decoder/ and scheduler/ (unet/ for IV-mixed).`,
      );
    }
    return reader.read(path);
  };
  const json = async (path: string): Promise<unknown> => {
    const text = new TextDecoder().decode(await need(path));
    try {
      return JSON.parse(text);
    } catch {
      throw new PackLayoutError(`${reader.location}: ${path} is not valid JSON.`);
    }
  };
  const [textEncoder, videoUnet, vaeDecoder] = await Promise.all([
    need(PACK_FILES.textEncoder),
    need(PACK_FILES.videoUnet),
    need(PACK_FILES.vaeDecoder),
  ]);
  const imageUnet = (await reader.exists(PACK_FILES.imageUnet)) ? await reader.read(PACK_FILES.imageUnet) : undefined;
  const config = parseSchedulerConfig(await json(PACK_FILES.schedulerConfig));
  const inverseConfig = (await reader.exists(PACK_FILES.inverseSchedulerConfig))
    ? parseSchedulerConfig(await json(PACK_FILES.inverseSchedulerConfig))
    : undefined;
  return {
    bytes: { textEncoder, videoUnet, vaeDecoder, ...(imageUnet ? { imageUnet } : {}) },
    schedulers: { config, ...(inverseConfig ? { inverseConfig } : {}) },
  };
}

/** Files served under a URL prefix (the app's own origin; no third-party hosts). */
export function urlPackReader(baseUrl: string, fetchImpl: typeof fetch = fetch): PackReader {
  // Relative prefixes resolve against the page (or worker) location.
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`, globalThis.location?.href).href;
  const url = (path: string) => new URL(path, base).href;
  return {
    location: base,
    async exists(path) {
      const res = await fetchImpl(url(path), { method: 'HEAD' });
      if (res.ok) return true;
      if (res.status === 404 || res.status === 410) return false;
      // A server error is not "absent": treating it so would load a pack without its manifest, unverified.
      throw new PackLayoutError(
        `${url(path)}: HTTP ${res.status} ${res.statusText}. The server could not answer; try again later.`,
      );
    },
    async read(path) {
      const res = await fetchImpl(url(path));
      if (!res.ok) throw new PackLayoutError(`${url(path)}: HTTP ${res.status} ${res.statusText}`);
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

/**
 * `relative` (e.g. "../sd15/" or "/models/sd15/") resolved against a reader's location: a URL for URL
 * readers, a folder path for folders on disk (Node), with the same "..", "/" rules as URLs.
 */
export function resolvePackLocation(location: string, relative: string): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(location)) return new URL(relative, location).href;
  const base = location.endsWith('/') ? location : `${location}/`;
  const resolved = new URL(relative, `file://${base.startsWith('/') ? '' : '/'}${base}`).pathname;
  return decodeURIComponent(resolved);
}
