import { PAGES } from './pages/registry.js';
import { hashForPage, type PageId } from './router.js';

/** Plain links (keyboard and middle-click work); aria-current marks the page shown. */
export function NavBar({ current }: { current: PageId }) {
  return (
    <nav className="app-nav" aria-label="Pages">
      <ul>
        {PAGES.map((page) => (
          <li key={page.id}>
            <a href={hashForPage(page.id)} aria-current={page.id === current ? 'page' : undefined}>
              {page.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
