import { useId } from 'react';
import qualityDocUrl from '../../../docs/quality.md?url&no-inline';
import { compareQuality, type VideoQuality, verdictText } from './quality-summary.js';

interface QualityTableProps {
  baseline: VideoQuality;
  mixed: VideoQuality;
  names: { baseline: string; mixed: string };
}

/** Both videos' model-free quality numbers, what each means, which way is better, and which side wins. */
export function QualityTable({ baseline, mixed, names }: QualityTableProps) {
  const rows = compareQuality(baseline, mixed);
  const headingId = useId();
  return (
    <section className="quality" aria-labelledby={headingId}>
      <h4 id={headingId}>Quality, measured in your browser</h4>
      <div className="table-scroll">
        <table className="quality-table" data-testid="quality-table">
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">{names.baseline}</th>
              <th scope="col">{names.mixed}</th>
              <th scope="col">Better</th>
              <th scope="col">In this comparison</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.metric.id} data-testid={`quality-${row.metric.id}`}>
                <th scope="row">
                  {row.metric.label}
                  <span className="hint metric-explanation">{row.metric.explanation}</span>
                </th>
                <td className="number" data-testid={`quality-${row.metric.id}-baseline`}>
                  {row.baseline}
                </td>
                <td className="number" data-testid={`quality-${row.metric.id}-mixed`}>
                  {row.mixed}
                </td>
                <td>{row.metric.better === 'higher' ? '↑ higher' : '↓ lower'}</td>
                <td className={`verdict verdict-${row.verdict}`}>{verdictText(row.verdict, names)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="hint">
        Computed from the frames alone, no model: one seed says little, so see{' '}
        <a href={qualityDocUrl} target="_blank" rel="noopener">
          docs/quality.md
        </a>{' '}
        for what the numbers mean and for both samplers measured over many seeds.
      </p>
    </section>
  );
}
