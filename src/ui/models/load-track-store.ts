import { create } from 'zustand';
import type { LoadEvent, PackSource } from '../../engine/types.js';

/** One file of a pack load: downloaded (bytes of bytes), found already stored, or read and verified. */
export interface TrackedFile {
  /** The file's path inside the pack ("unet/model.onnx"). */
  path: string;
  loaded: number;
  total: number;
  /** It was already stored and verified: nothing was downloaded. */
  fromCache: boolean;
}

export interface LoadTrack {
  /** Where the pack comes from, in words. */
  source: string;
  status: 'loading' | 'done' | 'failed';
  phase: LoadEvent['phase'] | null;
  files: TrackedFile[];
  /** Files read from a picked or dropped folder and checked against the manifest. */
  verified: string[];
  overall: { loaded: number; total: number } | null;
  error: string | null;
}

interface LoadTrackState {
  /** The latest load, whoever asked for it (this page, the Studio's automatic load, the console). */
  track: LoadTrack | null;
  started(source: PackSource): void;
  progress(event: LoadEvent): void;
  finished(): void;
  failed(message: string): void;
}

/** Download progress of a pack load, file by file and overall, for the model manager. */
export const useLoadTrackStore = create<LoadTrackState>((set, get) => ({
  track: null,
  started: (source) =>
    set({
      track: {
        source: describeSource(source),
        status: 'loading',
        phase: null,
        files: [],
        verified: [],
        overall: null,
        error: null,
      },
    }),
  progress: (event) => {
    const track = get().track;
    if (!track) return;
    const next: LoadTrack = { ...track, phase: event.phase };
    if (event.phase === 'download') {
      // Keys are "<pack-id>/<path>" in the engine's store.
      const path = event.file.slice(event.file.indexOf('/') + 1);
      const files = [...track.files];
      const i = files.findIndex((f) => f.path === path);
      if (i < 0) {
        // A first report that already holds the whole file: it came from the store.
        files.push({
          path,
          loaded: event.loaded,
          total: event.total,
          fromCache: event.loaded === event.total && event.total > 0,
        });
      } else {
        files[i] = { ...(files[i] as TrackedFile), loaded: event.loaded, total: event.total };
      }
      next.files = files;
      next.overall = { loaded: event.overallLoaded, total: event.overallTotal };
    } else if (event.phase === 'verify' && !track.verified.includes(event.file)) {
      next.verified = [...track.verified, event.file];
    }
    set({ track: next });
  },
  finished: () => {
    const track = get().track;
    if (track) set({ track: { ...track, status: 'done' } });
  },
  failed: (error) => {
    const track = get().track;
    if (track) set({ track: { ...track, status: 'failed', error } });
  },
}));

function describeSource(source: PackSource): string {
  if (source.kind === 'url') return source.baseUrl;
  const first =
    source.paths?.[0] ?? (source.files[0] as (File & { webkitRelativePath?: string }) | undefined)?.webkitRelativePath;
  const folder = first?.includes('/') ? first.split('/')[0] : null;
  return folder ? `the folder “${folder}”` : `${source.files.length} picked files`;
}
