import type { ComponentType } from 'react';
import type { PageId } from '../router.js';
import { HistoryPage } from './HistoryPage.js';
import { ModelsPage } from './ModelsPage.js';
import { StudioPage } from './StudioPage.js';

export interface PageEntry {
  id: PageId;
  /** The navigation label, also the page's heading for screen readers. */
  label: string;
  component: ComponentType;
}

/** The app's pages, in navigation order. Each page lives in its own file under src/ui/pages/. */
export const PAGES: readonly PageEntry[] = [
  { id: 'studio', label: 'Studio', component: StudioPage },
  { id: 'history', label: 'History', component: HistoryPage },
  { id: 'models', label: 'Models', component: ModelsPage },
];
