/**
 * readDrop walks a dropped folder through the File and Directory Entries API. Node has no drag and drop, so
 * the folder is an in-memory tree implementing that API's interface, with readEntries handing out entries in
 * batches of two the way Chrome hands them out in batches of 100.
 */
import { describe, expect, it } from 'vitest';
import { readDrop } from '../../src/ui/models/folder-drop.js';

type Tree = { [name: string]: string | Tree };

function entry(name: string, node: string | Tree, parent: string): FileSystemEntry {
  const fullPath = `${parent}/${name}`;
  if (typeof node === 'string') {
    return {
      isFile: true,
      isDirectory: false,
      name,
      fullPath,
      file: (ok: (f: File) => void) => ok(new File([node], name)),
    } as unknown as FileSystemFileEntry;
  }
  const children = Object.entries(node).map(([n, child]) => entry(n, child, fullPath));
  return {
    isFile: false,
    isDirectory: true,
    name,
    fullPath,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok: (batch: FileSystemEntry[]) => void) => {
          const batch = children.slice(at, at + 2);
          at += batch.length;
          setTimeout(() => ok(batch), 0);
        },
      };
    },
  } as unknown as FileSystemDirectoryEntry;
}

function dropOf(entries: FileSystemEntry[]): DataTransfer {
  return {
    items: entries.map((e) => ({ kind: 'file', webkitGetAsEntry: () => e })),
    files: [],
  } as unknown as DataTransfer;
}

describe('readDrop: the files of a dropped pack folder, with their paths', () => {
  it('walks every sub-folder, through every batch of entries', async () => {
    const pack: Tree = {
      'manifest.json': '{}',
      unet: { 'model.onnx': 'u' },
      motion_unet: { 'model.onnx': 'm' },
      tokenizer: { 'tokenizer.json': 't', 'tokenizer_config.json': 'c' },
      scheduler: { 'scheduler_config.json': 's' },
    };
    const dropped = await readDrop(dropOf([entry('my-pack', pack, '')]));
    expect([...dropped.paths].sort()).toEqual([
      'my-pack/manifest.json',
      'my-pack/motion_unet/model.onnx',
      'my-pack/scheduler/scheduler_config.json',
      'my-pack/tokenizer/tokenizer.json',
      'my-pack/tokenizer/tokenizer_config.json',
      'my-pack/unet/model.onnx',
    ]);
    const motion = dropped.files[dropped.paths.indexOf('my-pack/motion_unet/model.onnx')];
    expect(await motion?.text()).toBe('m');
  });

  it('takes plain files by name when the browser gives no entries', async () => {
    const file = new File(['{}'], 'manifest.json');
    const transfer = { items: [{ kind: 'file', webkitGetAsEntry: () => null }], files: [file] } as unknown as DataTransfer;
    expect(await readDrop(transfer)).toEqual({ files: [file], paths: ['manifest.json'] });
  });
});
