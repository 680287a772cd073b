/** Named engine errors; each message says what happened and what to do. */
export class EngineBusyError extends Error {
  override name = 'EngineBusyError';
  constructor() {
    super('A generation is already running. Wait for it to finish or cancel it first.');
  }
}

export class NoPackLoadedError extends Error {
  override name = 'NoPackLoadedError';
  constructor() {
    super('No model pack is loaded. Load a pack (the bundled one, a URL or a folder) before generating.');
  }
}

export class GpuDeviceLostError extends Error {
  override name = 'GpuDeviceLostError';
  constructor(reason: string) {
    super(
      `The GPU device was lost (${reason}). This usually means the GPU ran out of memory. ` +
        'The engine restarts and reloads the pack from the cache; try fewer frames, a smaller size, or split CFG.',
    );
  }
}
