import { loadBundledPack } from './actions.js';
import { formatBytes, formatDuration } from './format.js';
import { LoadProgress } from './LoadProgress.js';
import { usePackStore } from './pack-store.js';

/** The loaded pack: name, verification, backend and why, load progress and errors. */
export function PackStatus() {
  const { status, summary, progress, error, notices, lifecycleNotice } = usePackStore();
  return (
    <section className="panel pack-status" aria-labelledby="pack-heading">
      <h2 id="pack-heading">Model pack</h2>
      <div role="status" data-testid="pack-status">
        {status === 'idle' && <p>No pack loaded.</p>}
        {status === 'loading' && <p>Loading the model pack…</p>}
        {status === 'ready' && summary && (
          <p>
            <strong>{summary.pack.name}</strong> is ready.
          </p>
        )}
      </div>
      {lifecycleNotice && <p className="notice">{lifecycleNotice}</p>}
      {status === 'loading' && <LoadProgress event={progress} />}
      {status === 'idle' && (
        <button type="button" className="secondary" onClick={() => void loadBundledPack()}>
          Load the bundled pack
        </button>
      )}
      {notices.length > 0 && (
        <details className="load-notices">
          <summary>Download notes ({notices.length})</summary>
          <ul>
            {notices.map((n, i) => (
              // Notices can repeat; their order is their identity.
              // biome-ignore lint/suspicious/noArrayIndexKey: append-only list
              <li key={i}>{n}</li>
            ))}
          </ul>
        </details>
      )}
      {summary && (
        <dl className="facts">
          <dt>Verified</dt>
          <dd data-testid="pack-verified">
            {summary.pack.verified ? 'Yes, every file matches its sha256' : 'No (no manifest with hashes)'}
          </dd>
          <dt>Backend</dt>
          <dd data-testid="pack-backend">{summary.backend === 'webgpu' ? 'WebGPU' : 'WASM'}</dd>
          <dt>Why</dt>
          <dd data-testid="pack-backend-reason">{summary.backendReason}</dd>
          {summary.webgpuBufferCache && (
            <>
              <dt>GPU buffers</dt>
              <dd data-testid="pack-gpu-buffers">
                {summary.webgpuBufferCache === 'simple'
                  ? 'Kept between model calls (faster, more GPU memory)'
                  : 'Large ones freed after each model call (onnxruntime’s default)'}
              </dd>
            </>
          )}
          <dt>Size</dt>
          <dd>
            {formatBytes(summary.pack.totalBytes)}, {summary.pack.nativeResolution.width}×{summary.pack.nativeResolution.height},{' '}
            up to {summary.pack.frames.max} frames, {summary.pack.precision}
          </dd>
          <dt>Loaded in</dt>
          <dd>{formatDuration(summary.loadMs)}</dd>
        </dl>
      )}
      {status === 'error' && (
        <div role="alert" className="alert" data-testid="pack-error">
          <p>The model pack could not be loaded: {error}</p>
          <button type="button" className="secondary" onClick={() => void loadBundledPack()}>
            Try again
          </button>
        </div>
      )}
    </section>
  );
}
