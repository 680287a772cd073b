import { type DragEvent, type FormEvent, useId, useState } from 'react';
import { usePackStore } from '../pack-store.js';
import { readDrop } from './folder-drop.js';
import { useGpuSettingsStore } from './gpu-settings-store.js';
import { loadPack } from './model-manager.js';
import { packFolderUrl } from './pack-url.js';

/** React has no prop for it; the attribute makes the file input pick a whole folder. */
const FOLDER_PICKER = { webkitdirectory: '', directory: '' } as Record<string, string>;

/** Load a pack from a URL, or from a folder picked or dropped (its files are checked against its manifest). */
export function LoadPackForm() {
  const loading = usePackStore((s) => s.status === 'loading');
  const [url, setUrl] = useState('');
  const [urlError, setUrlError] = useState<string | null>(null);
  const [dropActive, setDropActive] = useState(false);
  const [dropError, setDropError] = useState<string | null>(null);
  const keepGpuBuffers = useGpuSettingsStore((s) => s.keepGpuBuffers);
  const setKeepGpuBuffers = useGpuSettingsStore((s) => s.setKeepGpuBuffers);
  const ids = {
    url: useId(),
    urlError: useId(),
    urlHint: useId(),
    folder: useId(),
    folderHint: useId(),
    keepBuffers: useId(),
    keepBuffersHint: useId(),
  };

  const submitUrl = (event: FormEvent) => {
    event.preventDefault();
    const checked = packFolderUrl(url, location.href);
    if (!checked.ok) {
      setUrlError(checked.message);
      document.getElementById(ids.url)?.focus();
      return;
    }
    setUrlError(null);
    setUrl(checked.url);
    void loadPack({ kind: 'url', baseUrl: checked.url });
  };

  const pickFolder = (files: FileList | null) => {
    if (!files || files.length === 0) return;
    const list = [...files];
    const paths = list.map((f) => (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name);
    void loadPack({ kind: 'files', files: list, paths });
  };

  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDropActive(false);
    readDrop(event.dataTransfer).then(
      ({ files, paths }) => {
        if (files.length === 0) {
          setDropError('Nothing to load was dropped: drop the folder of a model pack (the one that holds manifest.json).');
          return;
        }
        setDropError(null);
        void loadPack({ kind: 'files', files, paths });
      },
      (error: unknown) => setDropError(`The dropped folder could not be read: ${String(error)}`),
    );
  };

  return (
    <section className="panel load-pack" aria-labelledby="load-pack-heading">
      <h2 id="load-pack-heading">Load a pack</h2>
      <form onSubmit={submitUrl} noValidate>
        <div className={urlError ? 'field field-invalid' : 'field'}>
          <label htmlFor={ids.url}>Pack URL</label>
          <div className="input-with-addon">
            <input
              id={ids.url}
              type="url"
              inputMode="url"
              value={url}
              placeholder="https://example.org/packs/my-pack/"
              onChange={(e) => setUrl(e.target.value)}
              aria-invalid={urlError ? true : undefined}
              aria-describedby={[urlError ? ids.urlError : '', ids.urlHint].filter(Boolean).join(' ')}
            />
            <button type="submit" disabled={loading}>
              Load from URL
            </button>
          </div>
          {urlError && (
            <p id={ids.urlError} className="field-error">
              {urlError}
            </p>
          )}
          <p id={ids.urlHint} className="hint">
            The folder that holds the pack’s manifest.json. Files are downloaded into this browser, verified, and kept for offline
            use; an interrupted download resumes.
          </p>
        </div>
      </form>
      <fieldset
        className={dropActive ? 'drop-zone drop-active' : 'drop-zone'}
        data-testid="pack-drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setDropActive(true);
        }}
        onDragLeave={() => setDropActive(false)}
        onDrop={drop}
      >
        <legend>From this computer</legend>
        <div className="field">
          <label htmlFor={ids.folder}>Pack folder</label>
          <input
            id={ids.folder}
            type="file"
            multiple
            {...FOLDER_PICKER}
            disabled={loading}
            aria-describedby={ids.folderHint}
            onChange={(e) => {
              pickFolder(e.target.files);
              e.target.value = '';
            }}
          />
          <p id={ids.folderHint} className="hint">
            Pick a pack folder on this computer, or drop it here. Its files are read in place (not copied) and checked against its
            manifest.
          </p>
        </div>
        {dropError && (
          <p role="alert" className="field-error">
            {dropError}
          </p>
        )}
      </fieldset>
      <div className="field field-checkbox">
        <input
          id={ids.keepBuffers}
          type="checkbox"
          checked={keepGpuBuffers}
          onChange={(e) => setKeepGpuBuffers(e.target.checked)}
          aria-describedby={ids.keepBuffersHint}
        />
        <label htmlFor={ids.keepBuffers}>Keep GPU buffers between model calls</label>
        <p id={ids.keepBuffersHint} className="hint">
          WebGPU only, from the next load on. Full-size packs run about a quarter faster at 512×512, but hold about twice the GPU
          memory (some 22 GB at 512×512, against 10 GB without, and each further video size adds its own buffers until the pack is
          loaded again): leave it off on a GPU with less than 24 GB.
        </p>
      </div>
    </section>
  );
}
