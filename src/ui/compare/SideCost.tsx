import type { GenerateResult } from '../../engine/types.js';
import { formatDuration } from '../format.js';
import { unetCalls } from './cost-summary.js';

/** What one run of a comparison cost: UNet calls by model, and where its time went. */
export function SideCost({ title, result }: { title: string; result: GenerateResult }) {
  const { timings, modelCalls } = result;
  const callMs = timings.calls.reduce((sum, call) => sum + call.ms, 0);
  return (
    <div className="compare-cost">
      <h4>{title}</h4>
      <dl className="result-cost" data-testid="result-cost">
        <dt>UNet calls</dt>
        <dd>
          {unetCalls(result)} ({modelCalls.image} image, {modelCalls.video} video)
        </dd>
        <dt>Total time</dt>
        <dd>{formatDuration(timings.totalMs)}</dd>
        <dt>In UNet calls</dt>
        <dd>{formatDuration(callMs)}</dd>
        <dt>Text encoder, decode</dt>
        <dd>
          {formatDuration(timings.textEncoderMs)}, {formatDuration(timings.decodeMs)}
        </dd>
        <dt>Backend</dt>
        <dd>{result.backend === 'webgpu' ? 'WebGPU' : 'WASM'}</dd>
      </dl>
    </div>
  );
}
