import { useOfflineStore } from './offline-store.js';

/** Whether the app itself (not only its packs) opens without a network in this browser. */
export function OfflineStatus() {
  const state = useOfflineStore((s) => s.state);
  return (
    <section className="panel" aria-labelledby="offline-heading">
      <h2 id="offline-heading">Offline use</h2>
      <p role="status" data-testid="offline-status">
        {state.status === 'off' && state.reason}
        {state.status === 'installing' && 'Storing the app and the bundled pack in this browser for offline use…'}
        {state.status === 'ready' &&
          'Available offline: the app, its engine and the bundled pack are stored in this browser, so it opens and generates without a network.'}
        {state.status === 'error' && state.message}
      </p>
      {state.status === 'ready' && state.updated && (
        <p className="notice">
          A newer version of the app was stored.{' '}
          <button type="button" className="secondary" onClick={() => location.reload()}>
            Reload to use it
          </button>
        </p>
      )}
      <p className="hint">Packs you load from elsewhere are kept by the engine (see Stored packs) and load offline too.</p>
    </section>
  );
}
