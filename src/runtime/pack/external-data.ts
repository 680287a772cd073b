/**
 * External data: a protobuf file cannot exceed 2 GB, so exporters write the weights of big parts (an
 * fp32 SD1.5 UNet is 3.4 GB) into a file next to model.onnx, and the graph refers to it by name:
 *   - optimum / current diffusers exports:      unet/model.onnx + unet/model.onnx_data
 *   - diffusers' old convert_..._to_onnx.py:     unet/model.onnx + unet/weights.pb (nmkd/stable-diffusion-1.5-onnx-fp16)
 *   - torch.onnx dynamo exports:                 model.onnx + model.onnx.data
 * onnxruntime-web cannot open sibling files itself in the browser: each one is passed as the session
 * option `externalData: [{ path, data }]`, where `path` must be the location string written inside the
 * graph (a base name like "weights.pb"), not the file's path in the pack.
 */
import type * as Ort from 'onnxruntime-web';
import { packBasename, packDirname } from './manifest.js';

/** Names exporters give the external-data file of `model.onnx`, most common first. */
export const KNOWN_EXTERNAL_DATA_NAMES = ['model.onnx_data', 'weights.pb', 'model.onnx.data'] as const;

export class ExternalDataError extends Error {
  override name = 'ExternalDataError';
}

/** One external-data file of a graph. */
export interface ExternalDataFile {
  /** Where it is in the pack (relative to the pack root), for reading it. */
  packPath: string;
  /** The name the graph refers to it by: the `path` of onnxruntime's externalData option. */
  location: string;
}

export interface ExternalDataSources {
  /**
   * The locations written inside the graph (from externalDataLocations(modelBytes)): authoritative when
   * given, since they are exactly what onnxruntime will look up.
   */
  referenced?: readonly string[];
  /** The files a manifest lists for this component (pack paths): used when the graph was not read. */
  declared?: readonly string[];
}

/**
 * Decide which files accompany `modelPath` (a pack path like "unet/model.onnx"). `listing` holds the
 * pack paths that exist (the whole pack or just the part's folder). Order of trust: what the graph
 * references, then what the manifest declares, then the names exporters are known to use.
 */
export function resolveExternalData(
  modelPath: string,
  listing: readonly string[],
  sources: ExternalDataSources = {},
): ExternalDataFile[] {
  const dir = packDirname(modelPath);
  const inDir = (name: string) => (dir ? `${dir}/${name}` : name);
  const exists = new Set(listing);

  if (sources.referenced) {
    return sources.referenced.map((location) => {
      // onnxruntime-web strips a leading "./" when it mounts files; the graph may still say "./weights.pb".
      const relative = location.startsWith('./') ? location.slice(2) : location;
      if (relative.startsWith('/') || relative.split('/').includes('..')) {
        throw new ExternalDataError(
          `${modelPath} refers to external data "${location}" outside its folder; such a model cannot be loaded from a pack. Re-export it with the weights next to the graph.`,
        );
      }
      const packPath = inDir(relative);
      if (!exists.has(packPath)) {
        throw new ExternalDataError(
          `${modelPath} stores its weights in "${location}", but ${packPath} is not in the pack. Put that file next to the graph (it is part of the export).`,
        );
      }
      return { packPath, location: relative };
    });
  }

  if (sources.declared) {
    return sources.declared.map((packPath) => {
      if (packDirname(packPath) !== dir) {
        throw new ExternalDataError(
          `${packPath} is declared as external data of ${modelPath} but is not in the same folder; onnxruntime only finds external data next to the graph.`,
        );
      }
      if (!exists.has(packPath)) {
        throw new ExternalDataError(
          `${packPath} (external data of ${modelPath}) is missing from the pack. Add it, or fix the manifest.`,
        );
      }
      return { packPath, location: packBasename(packPath) };
    });
  }

  const base = packBasename(modelPath);
  const candidates = new Set<string>([
    `${base}_data`,
    `${base}.data`,
    ...(base === 'model.onnx' ? KNOWN_EXTERNAL_DATA_NAMES : []),
  ]);
  const found = [...candidates].filter((name) => exists.has(inDir(name)));
  if (found.length > 1) {
    // Mounting both would load gigabytes the graph does not use; only the graph can tell which one it is.
    throw new ExternalDataError(
      `${dir || 'The pack root'} has several external-data files for ${base} (${found.join(', ')}). Remove the stale one, or list the right one in the manifest (components.*.externalData).`,
    );
  }
  return found.map((name) => ({ packPath: inDir(name), location: name }));
}

export type ExternalDataOption = NonNullable<Ort.InferenceSession.SessionOptions['externalData']>;
/** What onnxruntime accepts as the contents: bytes, a Blob (a picked file), or a URL it fetches itself. */
export type ExternalDataContents = Uint8Array | ArrayBuffer | Blob | string;

/**
 * The `externalData` session option for onnxruntime-web: `{ path: location, data }` per file, the data
 * obtained from `load(packPath)`. Passing a Blob or URL lets onnxruntime stream a multi-GB file instead of
 * holding a second copy in JavaScript memory.
 */
export async function externalDataOption(
  files: readonly ExternalDataFile[],
  load: (packPath: string) => Promise<ExternalDataContents> | ExternalDataContents,
): Promise<ExternalDataOption> {
  return Promise.all(files.map(async (f) => ({ path: f.location, data: await load(f.packPath) })));
}

/** Session options with external data added (unchanged when the graph has none). */
export function withExternalData(
  options: Ort.InferenceSession.SessionOptions,
  externalData: ExternalDataOption,
): Ort.InferenceSession.SessionOptions {
  return externalData.length === 0 ? options : { ...options, externalData };
}
