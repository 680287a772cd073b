import { VARIANTS } from '../core/sampler/variants.js';
import { formatDuration } from './format.js';
import type { FinishedRun } from './run-store.js';

/** What the run cost and how it was made. */
export function ResultCost({ run }: { run: FinishedRun }) {
  const { result, input } = run;
  const calls = result.modelCalls.image + result.modelCalls.video;
  return (
    <dl className="result-cost" data-testid="result-cost">
      <dt>UNet calls</dt>
      <dd>
        {calls} ({result.modelCalls.image} image, {result.modelCalls.video} video)
      </dd>
      <dt>Total time</dt>
      <dd>{formatDuration(result.timings.totalMs)}</dd>
      <dt>Backend</dt>
      <dd>{result.backend === 'webgpu' ? 'WebGPU' : 'WASM'}</dd>
      <dt>Seed</dt>
      <dd data-testid="result-seed">{result.seed}</dd>
      <dt>Sampler</dt>
      <dd>
        {VARIANTS[result.settings.variant].title}, {result.settings.steps} steps, {result.frames.count} frames{' '}
        {result.frames.width}×{result.frames.height}
      </dd>
      {input.negativePrompt.trim() !== '' && (
        <>
          <dt>Negative prompt</dt>
          <dd>{input.negativePrompt}</dd>
        </>
      )}
    </dl>
  );
}
