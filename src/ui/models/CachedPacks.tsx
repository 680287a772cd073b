import type { CachedPack } from '../../engine/types.js';
import { BUNDLED_PACK_PATH, loadBundledPack } from '../actions.js';
import { formatBytes } from '../format.js';
import { usePackStore } from '../pack-store.js';
import { loadPack, removePack } from './model-manager.js';
import { useModelManagerStore } from './model-manager-store.js';

function bundledUrl(): string {
  return new URL(`${import.meta.env.BASE_URL}${BUNDLED_PACK_PATH}`, location.href).href;
}

/**
 * The packs this browser holds (the engine's store), with their sizes, whether each is complete, which one is
 * in use; each can be used (it loads from the store, offline too) or removed. The bundled pack is always
 * listed first: the app can load it again from its own files.
 */
export function CachedPacks() {
  const { packs, storage, listError, message, removing } = useModelManagerStore();
  const { status, summary } = usePackStore();
  const loading = status === 'loading';
  const inUse = summary?.pack.id ?? null;
  const bundled = bundledUrl();
  const bundledEntry = packs?.find((p) => p.sources.includes(bundled)) ?? null;
  const others = (packs ?? []).filter((p) => p !== bundledEntry);
  const packBytes = (packs ?? []).reduce((n, p) => n + p.bytes, 0);

  return (
    <section className="panel cached-packs" aria-labelledby="cached-packs-heading">
      <h2 id="cached-packs-heading">Stored packs</h2>
      {listError && (
        <p role="alert" className="alert">
          {listError}
        </p>
      )}
      {message && (
        <p role={message.kind === 'error' ? 'alert' : 'status'} className={message.kind === 'error' ? 'alert' : 'notice'}>
          {message.text}
        </p>
      )}
      <div className="table-scroll">
        <table data-testid="cached-packs">
          <thead>
            <tr>
              <th scope="col">Pack</th>
              <th scope="col">Size</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            <PackRow
              name={bundledEntry?.name ?? 'The bundled pack'}
              actionName={bundledEntry?.name ?? 'the bundled pack'}
              note="Bundled with the app"
              pack={bundledEntry}
              inUse={bundledEntry ? inUse === bundledEntry.id : false}
              busy={loading}
              removing={removing}
              onUse={() => void loadBundledPack()}
            />
            {others.map((p) => (
              <PackRow
                key={p.key}
                name={p.name}
                note={p.sources[0] ?? null}
                pack={p}
                inUse={inUse === p.id}
                busy={loading}
                removing={removing}
                onUse={p.sources[0] ? () => void loadPack({ kind: 'url', baseUrl: p.sources[0] as string }) : null}
              />
            ))}
          </tbody>
        </table>
      </div>
      <p data-testid="storage-use">
        {packs && `Packs stored: ${formatBytes(packBytes)}. `}
        {storage
          ? `This site uses ${formatBytes(storage.usage)} of the ${formatBytes(storage.quota)} the browser allows it (packs, the offline copy of the app, history).`
          : 'This browser does not say how much storage the site may use.'}
      </p>
    </section>
  );
}

interface PackRowProps {
  name: string;
  /** The pack as buttons name it ("Use …", "Remove …"); default: its name. */
  actionName?: string;
  note: string | null;
  pack: CachedPack | null;
  inUse: boolean;
  busy: boolean;
  removing: string | null;
  onUse: (() => void) | null;
}

function PackRow({ name, actionName = name, note, pack, inUse, busy, removing, onUse }: PackRowProps) {
  return (
    <tr data-testid="cached-pack" aria-current={inUse ? 'true' : undefined}>
      <th scope="row">
        <span className="pack-name">{name}</span>
        {inUse && <span className="badge">In use</span>}
        {pack?.id && <span className="pack-id">{pack.id}</span>}
        {note && <span className="pack-source">{note}</span>}
      </th>
      <td className="pack-size" data-testid="cached-pack-size">
        {pack ? formatBytes(pack.bytes) : '—'}
      </td>
      <td>{packState(pack)}</td>
      <td className="row-actions">
        {onUse && (
          <button type="button" className="secondary" disabled={busy || inUse} aria-label={`Use ${actionName}`} onClick={onUse}>
            {inUse ? 'In use' : 'Use'}
          </button>
        )}
        {pack && (
          <button
            type="button"
            className="secondary"
            disabled={removing !== null}
            aria-label={`Remove ${actionName}`}
            onClick={() => void removePack(pack.key, actionName)}
          >
            {removing === pack.key ? 'Removing…' : 'Remove'}
          </button>
        )}
      </td>
    </tr>
  );
}

function packState(pack: CachedPack | null): string {
  if (!pack) return 'Not stored yet';
  if (pack.id === null) return 'Unreadable, can only be removed';
  if (pack.complete) return `Complete, ${pack.files} files, loads offline`;
  if (pack.expected) return `Incomplete: ${pack.files} of ${pack.expected.files} files`;
  return `${pack.files} files, no manifest`;
}
