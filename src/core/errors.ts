/**
 * Named errors of the sampler core. Each message says what happened and what to do about it, so the
 * UI can show it as is.
 */
export class InvalidSettingsError extends Error {
  override name = 'InvalidSettingsError';
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
  }
}

export class SamplingCancelledError extends Error {
  override name = 'SamplingCancelledError';
  constructor(message = 'Generation was cancelled. Nothing was lost; start a new generation when ready.') {
    super(message);
  }
}

/** A model returned a tensor the sampler cannot use (wrong shape, NaN, ...). */
export class ModelOutputError extends Error {
  override name = 'ModelOutputError';
}
