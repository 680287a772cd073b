import { useMemo } from 'react';
import { estimateCalls, estimateTimeMs } from './estimate.js';
import { useFormStore } from './form-store.js';
import { readNumber, readSettings } from './form-validation.js';
import { formatDuration } from './format.js';
import { usePackStore } from './pack-store.js';
import { timingKey, useTimingStore } from './timing-store.js';

/** UNet calls of the run the form describes and, after a run on this machine, its expected time. */
export function CostEstimate() {
  const values = useFormStore((s) => s.values);
  const summary = usePackStore((s) => s.summary);
  const timing = useTimingStore((s) => (summary ? s.byKey[timingKey(summary.pack.id, summary.backend)] : undefined));
  const { calls, settingsValid } = useMemo(() => {
    const { settings, errors } = readSettings(values);
    return { calls: estimateCalls(settings), settingsValid: Object.keys(errors).length === 0 };
  }, [values]);
  const frames = readNumber(values.frames, { label: 'Frames', integer: true, min: 1 }).value;

  if (!calls || !settingsValid) {
    return (
      <p className="estimate" data-testid="estimate">
        UNet calls: — (check the settings)
      </p>
    );
  }
  const ms = frames !== undefined ? estimateTimeMs(calls, frames, timing) : null;
  return (
    <p className="estimate" data-testid="estimate">
      <span>
        UNet calls: <strong>{calls.total}</strong> ({calls.image} image, {calls.video} video)
      </span>
      <span>
        {ms !== null
          ? `Estimated time: about ${formatDuration(ms)} on ${summary?.backend === 'webgpu' ? 'WebGPU' : 'WASM'}`
          : 'Time estimate after a first run on this device.'}
      </span>
    </p>
  );
}
