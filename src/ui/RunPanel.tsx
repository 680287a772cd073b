import { useEffect, useRef } from 'react';
import { ResultView } from './ResultView.js';
import { RunProgress } from './RunProgress.js';
import { useRunStore } from './run-store.js';

/** The output column: progress while running, notices, and the latest video. */
export function RunPanel() {
  const status = useRunStore((s) => s.status);
  const hasResult = useRunStore((s) => s.last !== null);
  const warnings = useRunStore((s) => s.warnings);
  const ref = useRef<HTMLElement>(null);
  const running = status === 'running';

  // On a narrow screen the output is below the form: bring it into view when a run starts (focus stays put).
  useEffect(() => {
    const panel = ref.current;
    if (!running || !panel) return;
    const { top } = panel.getBoundingClientRect();
    if (top > window.innerHeight * 0.75 || top < 0) {
      const smooth = !matchMedia('(prefers-reduced-motion: reduce)').matches;
      panel.scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' });
    }
  }, [running]);

  return (
    <section ref={ref} className="panel output" aria-labelledby="output-heading">
      <h2 id="output-heading">Video</h2>
      <div role="status" className="run-status">
        {status === 'cancelled' && <p className="notice">Generation cancelled. The form is ready for another run.</p>}
      </div>
      {status === 'running' && <RunProgress />}
      {warnings.length > 0 && (
        <ul className="warnings" aria-label="Warnings">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {hasResult ? (
        <ResultView />
      ) : (
        status !== 'running' && <p className="placeholder">Your video will appear here. Type a prompt and press Generate.</p>
      )}
    </section>
  );
}
