import type { GenerateResult } from '../engine/types.js';
import { useCompareStore } from './compare/compare-store.js';
import type { StudioEngine } from './engine.js';
import { estimateCalls, estimateTimeMs } from './estimate.js';
import { type FieldErrors, useFormStore } from './form-store.js';
import { checkForm, fieldForSetting } from './form-validation.js';
import { errorMessage, errorName } from './format.js';
import { useHistoryStore } from './history/history-store.js';
import { gpuLoadOptions } from './models/gpu-settings-store.js';
import { usePackStore } from './pack-store.js';
import { useRunStore } from './run-store.js';
import { timingKey, useTimingStore } from './timing-store.js';

/** The pack shipped with the app, loaded on start. */
export const BUNDLED_PACK_PATH = 'models/tinyworld-v2/';

let engine: StudioEngine | null = null;

/** The shared engine (the Compare and Demo pages run on it too). */
export function requireEngine(): StudioEngine {
  if (!engine) throw new Error('The Studio is not connected to an engine.');
  return engine;
}

/** Connect the stores to the engine: every load (ours or a console's) updates the pack status. */
export function connectEngine(studioEngine: StudioEngine): void {
  engine = studioEngine;
  studioEngine.subscribe((activity) => {
    const pack = usePackStore.getState();
    switch (activity.type) {
      case 'load-start':
        pack.loadStarted();
        break;
      case 'load-progress':
        pack.loadProgress(activity.event);
        break;
      case 'load-end':
        pack.loaded(activity.summary);
        useFormStore.getState().applyPackDefaults(activity.summary.pack);
        break;
      case 'load-error':
        pack.loadFailed(errorMessage(activity.error));
        break;
      case 'unload':
        pack.unloaded();
        break;
    }
  });
  studioEngine.onLifecycle((event) => {
    const pack = usePackStore.getState();
    if (event.type === 'device-lost') pack.deviceLost(event.reason);
    else if (event.type === 'restarted') pack.restarted(event.reloaded);
    else pack.reloadFailed(event.message);
  });
}

/**
 * Load the bundled pack on start, unless a pack was already asked for (from the console, by a test) or the
 * page was opened with `?autoload=0` (tests that watch a load's every request load the pack themselves).
 */
export function autoLoadBundledPack(): void {
  if (new URLSearchParams(location.search).get('autoload') === '0') return;
  if (requireEngine().loadsRequested() === 0) void loadBundledPack();
}

/** Load the bundled pack with the automatic backend choice. Failures are shown by the pack status. */
export function loadBundledPack(): Promise<void> {
  const url = new URL(`${import.meta.env.BASE_URL}${BUNDLED_PACK_PATH}`, location.href).href;
  return requireEngine()
    .load({ kind: 'url', baseUrl: url }, { backend: 'auto', ...gpuLoadOptions() })
    .then(
      () => undefined,
      () => undefined,
    );
}

function isCancellation(error: unknown): boolean {
  const name = errorName(error);
  return name === 'SamplingCancelledError' || name === 'AbortError' || useRunStore.getState().cancelRequested;
}

/**
 * Validate the form and, when it is valid, run a generation. Returns the field errors (empty when the run
 * started), so that the form can move focus to the first one.
 */
export async function generate(): Promise<FieldErrors> {
  const run = useRunStore.getState();
  const packState = usePackStore.getState();
  const form = useFormStore.getState();
  if (run.status === 'running') return {};
  const checked = checkForm(form.values, packState.summary?.pack ?? null);
  if (!checked.ok) {
    form.setErrors(checked.errors);
    run.clearError();
    return checked.errors;
  }
  form.setErrors({});
  const summary = packState.summary;
  if (packState.status !== 'ready' || !summary) {
    run.fail('The model pack is not loaded yet. Wait for it to finish loading (see “Model pack”).');
    return {};
  }
  // One engine: a run queued behind a comparison would wait unseen, and a Cancel here would stop the comparison.
  if (useCompareStore.getState().status === 'running') {
    run.fail('A comparison is running on the engine (Compare or Demo page). Wait for it to finish, or cancel it there.');
    return {};
  }
  const { request, settings, frames, seedDrawn } = checked.value;
  if (seedDrawn) form.setValue('seed', String(request.seed));

  const calls = estimateCalls(settings);
  const timing = useTimingStore.getState().byKey[timingKey(summary.pack.id, summary.backend)];
  run.start({
    prompt: request.prompt,
    negativePrompt: request.negativePrompt ?? '',
    seed: request.seed,
    frames,
    settings,
    packId: summary.pack.id,
    packFiles: summary.pack.files,
    onnxruntimeVersion: summary.onnxruntimeVersion,
    estimatedMs: calls ? estimateTimeMs(calls, frames, timing) : null,
  });

  let result: GenerateResult;
  try {
    result = await requireEngine().generate(request, (event) => useRunStore.getState().onEvent(event));
  } catch (error) {
    if (isCancellation(error)) {
      useRunStore.getState().cancelled();
      return {};
    }
    const field = errorName(error) === 'InvalidSettingsError' ? fieldForSetting(settingOf(error)) : undefined;
    if (field) useFormStore.getState().setErrors({ [field]: errorMessage(error) });
    useRunStore.getState().fail(errorMessage(error));
    return field ? { [field]: errorMessage(error) } : {};
  }
  useTimingStore.getState().record(summary.pack.id, result);
  useRunStore.getState().finish(result);
  // Every finished video goes to History; a failure (storage full) is shown and the video stays on screen.
  const finished = useRunStore.getState().last;
  if (finished) void useHistoryStore.getState().save(finished);
  return {};
}

/** The setting an InvalidSettingsError names (kept when the error did not cross the worker boundary). */
function settingOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'setting' in error && typeof error.setting === 'string')
    return error.setting;
  return undefined;
}

export function cancelGeneration(): void {
  const run = useRunStore.getState();
  if (run.status !== 'running' || run.cancelRequested) return;
  run.requestCancel();
  requireEngine().cancel();
}
