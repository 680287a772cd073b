import { useMemo } from 'react';
import { VARIANTS } from '../../core/sampler/variants.js';
import { formatDuration } from '../format.js';
import { usePackStore } from '../pack-store.js';
import { timingKey, useTimingStore } from '../timing-store.js';
import { mixedVariantFor } from './compare-validation.js';
import { BASELINE_VARIANT } from './comparison.js';
import { estimateComparison } from './comparison-estimate.js';

/** UNet calls of both runs and, after a first run of this pack on this device, about how long both take. */
export function ComparisonEstimateLine({ steps, frames }: { steps: string; frames: string }) {
  const summary = usePackStore((s) => s.summary);
  const pack = summary?.pack ?? null;
  const timing = useTimingStore((s) => (summary ? s.byKey[timingKey(summary.pack.id, summary.backend)] : undefined));
  const estimate = useMemo(() => estimateComparison(steps, frames, pack, timing), [steps, frames, pack, timing]);
  if (!estimate) {
    return (
      <p className="estimate" data-testid="compare-estimate">
        UNet calls: — (check the steps)
      </p>
    );
  }
  return (
    <p className="estimate" data-testid="compare-estimate">
      <span>
        UNet calls: {estimate.baselineCalls} ({VARIANTS[BASELINE_VARIANT].title}) + {estimate.mixedCalls} (
        {VARIANTS[mixedVariantFor(pack)].title})
      </span>
      <span>
        {estimate.ms !== null
          ? `Both: about ${formatDuration(estimate.ms)} on ${summary?.backend === 'webgpu' ? 'WebGPU' : 'WASM'}`
          : 'Time estimate after a first run on this device.'}
      </span>
    </p>
  );
}
