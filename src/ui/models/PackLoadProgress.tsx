import { formatBytes } from '../format.js';
import { useLoadTrackStore } from './load-track-store.js';

/** The latest pack load: overall progress, and every file's bytes (downloaded or already stored). */
export function PackLoadProgress() {
  const track = useLoadTrackStore((s) => s.track);
  return (
    <section className="panel" aria-labelledby="pack-load-heading">
      <h2 id="pack-load-heading">Latest load</h2>
      {!track && <p>No pack was loaded yet.</p>}
      {track && (
        <>
          <p role="status" data-testid="pack-load-status">
            {track.status === 'loading' && `Loading from ${track.source}…`}
            {track.status === 'done' && `Loaded from ${track.source}.`}
            {track.status === 'failed' && `Loading from ${track.source} failed.`}
          </p>
          {track.error && (
            <p role="alert" className="alert">
              {track.error}
            </p>
          )}
          {track.overall && (
            <div className="load-progress">
              <progress
                value={track.overall.loaded}
                max={Math.max(1, track.overall.total)}
                aria-label="All files"
                aria-valuetext={`${formatBytes(track.overall.loaded)} of ${formatBytes(track.overall.total)}`}
              />
              <p data-testid="pack-load-overall">
                {formatBytes(track.overall.loaded)} of {formatBytes(track.overall.total)}
              </p>
            </div>
          )}
          {track.files.length > 0 && (
            <div className="table-scroll">
              <table className="file-progress" data-testid="file-progress">
                <caption>Files</caption>
                <thead>
                  <tr>
                    <th scope="col">File</th>
                    <th scope="col">Progress</th>
                    <th scope="col">Bytes</th>
                  </tr>
                </thead>
                <tbody>
                  {track.files.map((f) => (
                    <tr key={f.path}>
                      <th scope="row">{f.path}</th>
                      <td>
                        <progress value={f.loaded} max={Math.max(1, f.total)} aria-label={`${f.path} progress`} />
                      </td>
                      <td>
                        {f.fromCache
                          ? `${formatBytes(f.total)}, already stored`
                          : `${formatBytes(f.loaded)} of ${formatBytes(f.total)}`}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {track.verified.length > 0 && (
            <p data-testid="pack-load-verified">
              Checked against the manifest: {track.verified.length} file{track.verified.length === 1 ? '' : 's'} (
              {track.verified.join(', ')}).
            </p>
          )}
        </>
      )}
    </section>
  );
}
