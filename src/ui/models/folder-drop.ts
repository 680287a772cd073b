/** Files of a dropped folder (or dropped files), each with its path inside what was dropped. */
export interface DroppedFiles {
  files: File[];
  /** "<folder>/unet/model.onnx" for a dropped folder, the file name for a dropped file. */
  paths: string[];
}

/**
 * Reads what was dropped, folders included (recursively). The entries are taken synchronously: a
 * DataTransfer is emptied once the drop event's handler returns, so call this from the handler itself.
 */
export function readDrop(dataTransfer: DataTransfer): Promise<DroppedFiles> {
  const entries = [...dataTransfer.items].filter((item) => item.kind === 'file').map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((e) => e === null)) {
    // No entries API (or synthetic data): plain files, no folders.
    const files = [...dataTransfer.files];
    return Promise.resolve({ files, paths: files.map((f) => f.name) });
  }
  return (async () => {
    const out: DroppedFiles = { files: [], paths: [] };
    for (const entry of entries as FileSystemEntry[]) await collect(entry, out);
    return out;
  })();
}

async function collect(entry: FileSystemEntry, out: DroppedFiles): Promise<void> {
  if (isFile(entry)) {
    const file = await new Promise<File>((resolve, reject) => entry.file(resolve, reject));
    out.files.push(file);
    out.paths.push(entry.fullPath.replace(/^\//, ''));
    return;
  }
  if (!isDirectory(entry)) return;
  const reader = entry.createReader();
  // readEntries hands out a directory in batches (100 in Chrome) until it returns an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await collect(child, out);
  }
}

function isFile(entry: FileSystemEntry): entry is FileSystemFileEntry {
  return entry.isFile;
}

function isDirectory(entry: FileSystemEntry): entry is FileSystemDirectoryEntry {
  return entry.isDirectory;
}
