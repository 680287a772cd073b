import type { PackReader } from '../runtime/pack-reader.js';

/**
 * A pack from files the user picked or dropped. A folder pick gives each File a webkitRelativePath
 * "<folder>/unet/model.onnx"; the first segment (the folder's own name) is dropped so paths match the pack's.
 * A dropped folder's files carry no such path: the page passes them in `relativePaths` (same order).
 */
export function filesPackReader(files: readonly File[], relativePaths?: readonly string[]): PackReader {
  if (relativePaths && relativePaths.length !== files.length) {
    throw new TypeError(`filesPackReader: ${files.length} files but ${relativePaths.length} paths.`);
  }
  const byPath = new Map<string, File>();
  const rel = (f: File, i: number) =>
    relativePaths?.[i] || (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
  const paths = files.map(rel);
  const commonRoot = paths.every((p) => p.includes('/')) && new Set(paths.map((p) => p.split('/')[0])).size === 1;
  for (const [i, f] of files.entries()) {
    const p = paths[i] as string;
    byPath.set(commonRoot ? p.slice(p.indexOf('/') + 1) : p, f);
  }
  const root = commonRoot ? (paths[0] as string).split('/')[0] : 'picked files';
  return {
    location: `${root}/`,
    exists: async (path) => byPath.has(path),
    read: async (path) => {
      const f = byPath.get(path);
      if (!f) throw new Error(`${root}/${path} is not among the picked files.`);
      return new Uint8Array(await f.arrayBuffer());
    },
  };
}
