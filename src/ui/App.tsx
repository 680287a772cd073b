import { EngineStatus } from './EngineStatus.js';
import { NavBar } from './NavBar.js';
import { PackStatus } from './PackStatus.js';
import { PAGES } from './pages/registry.js';
import { useCurrentPage } from './router.js';

export function App() {
  const current = useCurrentPage();
  const page = PAGES.find((p) => p.id === current) ?? PAGES[0];
  if (!page) throw new Error('the page registry is empty');
  const Page = page.component;
  return (
    <div className="app">
      <header className="app-header">
        <h1>IV-mixed Studio</h1>
        <p>Text-to-video diffusion in your browser, with the IV-mixed Sampler.</p>
        <NavBar current={page.id} />
      </header>
      {/* The engine is shared by every page: its pack and status stay visible wherever the user is. */}
      <div className="app-status">
        <PackStatus />
        <EngineStatus />
      </div>
      <main aria-label={page.label}>
        <Page />
      </main>
    </div>
  );
}
