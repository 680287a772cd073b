import { useEffect } from 'react';
import { CachedPacks } from '../models/CachedPacks.js';
import { LoadPackForm } from '../models/LoadPackForm.js';
import { refreshCachedPacks } from '../models/model-manager.js';
import { OfflineStatus } from '../models/OfflineStatus.js';
import { PackLoadProgress } from '../models/PackLoadProgress.js';

/** The model manager: stored packs and the storage they use, loading a pack from a URL or a folder, offline use. */
export function ModelsPage() {
  useEffect(() => {
    void refreshCachedPacks();
  }, []);
  return (
    <div className="models">
      <CachedPacks />
      <LoadPackForm />
      <PackLoadProgress />
      <OfflineStatus />
    </div>
  );
}
