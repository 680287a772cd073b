import { type ReactNode, useEffect, useRef } from 'react';
import { ComparisonProgress } from './ComparisonProgress.js';
import { ComparisonView } from './ComparisonView.js';
import { useCompareStore } from './compare-store.js';
import type { ComparisonOrigin } from './comparison.js';

/** One empty list, so that the store selector returns the same value every time (a new [] would re-render forever). */
const NO_WARNINGS: string[] = [];

/** The output of a comparison page: progress while running, notices, and this page's latest comparison. */
export function ComparisonPanel({ origin, placeholder }: { origin: ComparisonOrigin; placeholder: ReactNode }) {
  const status = useCompareStore((s) => s.status);
  const ours = useCompareStore((s) => s.origin === origin);
  const warnings = useCompareStore((s) => (s.origin === origin ? s.warnings : NO_WARNINGS));
  const result = useCompareStore((s) => s.results[origin]);
  const ref = useRef<HTMLElement>(null);
  const running = status === 'running';

  // On a narrow screen the output is below the form: bring it into view when a run starts (focus stays put).
  useEffect(() => {
    const panel = ref.current;
    if (!running || !ours || !panel) return;
    const { top } = panel.getBoundingClientRect();
    if (top > window.innerHeight * 0.75 || top < 0) {
      const smooth = !matchMedia('(prefers-reduced-motion: reduce)').matches;
      panel.scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' });
    }
  }, [running, ours]);

  return (
    <section ref={ref} className="panel output" aria-labelledby={`${origin}-output-heading`}>
      <h2 id={`${origin}-output-heading`}>Side by side</h2>
      <div role="status" className="run-status">
        {status === 'cancelled' && ours && (
          <p className="notice">Comparison cancelled. {result ? 'The previous comparison is still shown below.' : ''}</p>
        )}
      </div>
      {running && <ComparisonProgress />}
      {warnings.length > 0 && (
        <ul className="warnings" aria-label="Warnings">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {result ? <ComparisonView key={result.id} comparison={result} /> : !running && <p className="placeholder">{placeholder}</p>}
    </section>
  );
}
