import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/sampler/settings.js';
import { estimateComparison } from '../../src/ui/compare/comparison-estimate.js';
import { estimateCalls, estimateTimeMs } from '../../src/ui/estimate.js';
import type { CallTiming } from '../../src/ui/timing-store.js';

const TIMING: CallTiming = {
  imageMsPerFrame: 10,
  videoMsPerFrame: 20,
  fixedMs: 5,
  decodeMsPerFrame: 3,
  outsideMsPerCall: 1,
  measuredAt: 0,
};

describe('estimate of a comparison', () => {
  it('counts the UNet calls of the DDIM run and of the IV-mixed run', () => {
    // 2 steps: DDIM = 2 VDM calls; IV-IV = 2 × (IDM denoise, VDM denoise, IDM invert, VDM invert) + 2 plain steps.
    expect(estimateComparison('2', '4', null, undefined)).toEqual({ baselineCalls: 2, mixedCalls: 10, ms: null });
  });

  it('adds both runs’ times once this device has timings, and has none for unparsable steps', () => {
    const estimate = estimateComparison('3', '4', null, TIMING);
    const ddim = estimateCalls(withDefaults({ variant: 'ddim', steps: 3 }));
    const iv = estimateCalls(withDefaults({ variant: 'iv-iv', steps: 3 }));
    if (!ddim || !iv) throw new Error('no call counts');
    expect(estimate?.ms).toBe((estimateTimeMs(ddim, 4, TIMING) as number) + (estimateTimeMs(iv, 4, TIMING) as number));
    expect(estimate?.ms).toBeGreaterThan(0);
    expect(estimateComparison('3', 'x', null, TIMING)?.ms).toBeNull();
    expect(estimateComparison('zero', '4', null, TIMING)).toBeNull();
  });
});
