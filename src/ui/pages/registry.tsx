import type { ComponentType } from 'react';
import type { PageId } from '../router.js';
import { ComparePage } from './ComparePage.js';
import { DemoPage } from './DemoPage.js';
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
  { id: 'compare', label: 'Compare', component: ComparePage },
  { id: 'demo', label: 'Demo', component: DemoPage },
  { id: 'history', label: 'History', component: HistoryPage },
  { id: 'models', label: 'Models', component: ModelsPage },
];
