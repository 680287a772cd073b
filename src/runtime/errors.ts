/** A model whose inputs or outputs cannot be fed by the engine. The message names the input and both shapes. */
export class ModelSignatureError extends Error {
  override name = 'ModelSignatureError';
  constructor(
    readonly part: string,
    readonly input: string,
    message: string,
  ) {
    super(message);
  }
}
