import { formatShape } from '../core/tensor/tensor.js';
import { ModelSignatureError } from './errors.js';
import type { OrtSession, TensorValueMetadata, ValueMetadata } from './ort.js';

/**
 * Real exports disagree on small things: timestep as an int64 scalar, float32 [1] or [batch]; input_ids
 * int32 or int64; fp16 or fp32 activations; static or dynamic batch; VDM text per video or per frame.
 * The engine reads every session's metadata once and adapts; what cannot be adapted is refused with a
 * ModelSignatureError that names the input, its shape and the shape expected.
 */
export type Dim = number | string;
export type FloatType = 'float32' | 'float16';
export type TimestepFeed = { type: 'int64' | 'int32' | 'float32' | 'float16'; form: 'scalar' | 'one' | 'batch' };

export interface InputSpec {
  name: string;
  type: string;
  shape: readonly Dim[];
}

function tensorInputs(part: string, list: readonly ValueMetadata[]): InputSpec[] {
  return list.map((m) => {
    if (!m.isTensor)
      throw new ModelSignatureError(
        part,
        m.name,
        `${part}: input "${m.name}" is not a tensor; only tensor inputs are supported.`,
      );
    const t = m as TensorValueMetadata;
    return { name: t.name, type: t.type, shape: t.shape };
  });
}

function findInput(part: string, inputs: InputSpec[], names: readonly string[], expected: string): InputSpec {
  const found = inputs.find((i) => names.includes(i.name));
  if (!found) {
    const have = inputs.map((i) => `${i.name} ${formatShape(i.shape)}`).join(', ');
    throw new ModelSignatureError(
      part,
      names[0] as string,
      `${part}: no input named ${names.join(' or ')} (expected ${expected}); the model has ${have}.`,
    );
  }
  return found;
}

function expectFloat(part: string, input: InputSpec): FloatType {
  if (input.type === 'float32' || input.type === 'float16') return input.type;
  throw new ModelSignatureError(
    part,
    input.name,
    `${part}: input "${input.name}" is ${input.type} ${formatShape(input.shape)}; expected float32 or float16.`,
  );
}

/** A numeric dimension must equal what we feed; symbolic ones accept anything. */
export function checkDim(part: string, input: InputSpec, axis: number, actual: number, meaning: string): void {
  const d = input.shape[axis];
  if (typeof d === 'number' && d !== actual) {
    throw new ModelSignatureError(
      part,
      input.name,
      `${part}: input "${input.name}" has shape ${formatShape(input.shape)}, but axis ${axis} (${meaning}) must be ${actual} here.`,
    );
  }
}

/** The static batch size of an input, if it has one (e.g. WebNN-style exports with batch 2). */
export function staticBatch(input: InputSpec): number | null {
  const d = input.shape[0];
  return typeof d === 'number' ? d : null;
}

/**
 * How to cut a batch of `rows` for an input with a static batch size: the number of chunks, or a
 * ModelSignatureError when the rows do not divide into that batch.
 */
export function staticBatchChunks(part: string, input: InputSpec, rows: number, what: string): number {
  const fixed = staticBatch(input);
  if (fixed === null || fixed === rows) return 1;
  if (rows % fixed !== 0) {
    throw new ModelSignatureError(
      part,
      input.name,
      `${part}: input "${input.name}" has a fixed batch of ${fixed} (shape ${formatShape(input.shape)}) and cannot take ${rows} ${what}.`,
    );
  }
  return rows / fixed;
}

export interface UnetSignature {
  sample: InputSpec;
  timestep: InputSpec;
  text: InputSpec;
  dtype: FloatType;
  timestepFeed: TimestepFeed;
  output: string;
  /** For the VDM: whether the graph wants text per video [B,77,D], per frame [B·F,77,D], or it cannot be told yet. */
  textPerFrame: boolean | 'unknown';
}

const SAMPLE_NAMES = ['sample', 'latent_sample', 'x', 'latents'] as const;
const TIMESTEP_NAMES = ['timestep', 'timesteps', 't'] as const;
const TEXT_NAMES = ['encoder_hidden_states', 'text_embeds', 'context'] as const;

export function resolveUnetSignature(part: string, session: OrtSession, kind: 'image' | 'video'): UnetSignature {
  const inputs = tensorInputs(part, session.inputMetadata);
  const rank = kind === 'image' ? 4 : 5;
  const expectedSample = kind === 'image' ? '[batch, 4, height, width]' : '[batch, 4, frames, height, width]';
  const sample = findInput(part, inputs, SAMPLE_NAMES, expectedSample);
  if (sample.shape.length !== rank) {
    throw new ModelSignatureError(
      part,
      sample.name,
      `${part}: input "${sample.name}" has shape ${formatShape(sample.shape)}; the ${kind} model must take ${expectedSample}.` +
        (kind === 'image' ? ' Is this the video UNet in the image slot?' : ' Is this an image UNet in the video slot?'),
    );
  }
  const dtype = expectFloat(part, sample);
  const timestep = findInput(part, inputs, TIMESTEP_NAMES, 'a scalar, [1] or [batch] timestep');
  const timestepFeed = resolveTimestepFeed(part, timestep);
  const text = findInput(part, inputs, TEXT_NAMES, '[batch, 77, hidden]');
  if (text.shape.length !== 3) {
    throw new ModelSignatureError(
      part,
      text.name,
      `${part}: input "${text.name}" has shape ${formatShape(text.shape)}; expected [batch, 77, hidden].`,
    );
  }
  expectFloat(part, text);
  const extra = inputs.filter((i) => i !== sample && i !== timestep && i !== text);
  if (extra.length > 0) {
    throw new ModelSignatureError(
      part,
      extra[0]?.name ?? '',
      `${part}: unexpected inputs ${extra.map((i) => `"${i.name}" ${formatShape(i.shape)}`).join(', ')}; a UNet here takes only sample, timestep and encoder_hidden_states.`,
    );
  }
  const output = session.outputNames[0];
  if (!output) throw new ModelSignatureError(part, '', `${part}: the model has no outputs.`);
  return {
    sample,
    timestep,
    text,
    dtype,
    timestepFeed,
    output,
    textPerFrame: kind === 'image' ? true : textLayoutOf(sample, text),
  };
}

function resolveTimestepFeed(part: string, input: InputSpec): TimestepFeed {
  const types = ['int64', 'int32', 'float32', 'float16'] as const;
  const type = types.find((t) => t === input.type);
  if (!type)
    throw new ModelSignatureError(
      part,
      input.name,
      `${part}: timestep input "${input.name}" is ${input.type} ${formatShape(input.shape)}; expected int64, int32, float32 or float16 of shape [], [1] or [batch].`,
    );
  if (input.shape.length === 0) return { type, form: 'scalar' };
  if (input.shape.length === 1) return { type, form: input.shape[0] === 1 ? 'one' : 'batch' };
  throw new ModelSignatureError(
    part,
    input.name,
    `${part}: timestep input "${input.name}" has shape ${formatShape(input.shape)}; expected a scalar [], [1] or [batch].`,
  );
}

/**
 * diffusers ≤ 0.30 exports take the VDM text per video and repeat it inside the graph; ≥ 0.31 exports
 * take it per frame. Symbolic dims usually tell: the same symbol as the sample's batch means per video.
 */
function textLayoutOf(sample: InputSpec, text: InputSpec): boolean | 'unknown' {
  const s0 = sample.shape[0];
  const t0 = text.shape[0];
  if (typeof s0 === 'string' && s0 === t0) return false;
  if (typeof s0 === 'number' && typeof t0 === 'number') return t0 !== s0;
  return 'unknown';
}

export interface TextEncoderSignature {
  input: InputSpec;
  idsType: 'int32' | 'int64';
  /** Fixed sequence length of the graph, if any (77 for CLIP). */
  length: number | null;
  output: string;
}

export function resolveTextEncoderSignature(part: string, session: OrtSession): TextEncoderSignature {
  const inputs = tensorInputs(part, session.inputMetadata);
  const input = findInput(part, inputs, ['input_ids'], '[batch, 77] token ids');
  if (input.type !== 'int32' && input.type !== 'int64') {
    throw new ModelSignatureError(
      part,
      input.name,
      `${part}: input "input_ids" is ${input.type} ${formatShape(input.shape)}; expected int32 or int64 token ids [batch, 77].`,
    );
  }
  if (input.shape.length !== 2) {
    throw new ModelSignatureError(
      part,
      input.name,
      `${part}: input "input_ids" has shape ${formatShape(input.shape)}; expected [batch, 77].`,
    );
  }
  const other = inputs.find((i) => i !== input && i.name !== 'attention_mask');
  if (other)
    throw new ModelSignatureError(part, other.name, `${part}: unexpected input "${other.name}" ${formatShape(other.shape)}.`);
  const output = session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0];
  if (!output) throw new ModelSignatureError(part, '', `${part}: the model has no outputs.`);
  const len = input.shape[1];
  return { input, idsType: input.type, length: typeof len === 'number' ? len : null, output };
}

export interface VaeDecoderSignature {
  input: InputSpec;
  dtype: FloatType;
  output: string;
}

export function resolveVaeDecoderSignature(part: string, session: OrtSession): VaeDecoderSignature {
  const inputs = tensorInputs(part, session.inputMetadata);
  const input = findInput(part, inputs, ['latent_sample', 'latents', 'z'], '[batch, 4, height, width] latents');
  if (input.shape.length !== 4) {
    throw new ModelSignatureError(
      part,
      input.name,
      `${part}: input "${input.name}" has shape ${formatShape(input.shape)}; expected [batch, 4, height, width].`,
    );
  }
  const output = session.outputNames[0];
  if (!output) throw new ModelSignatureError(part, '', `${part}: the model has no outputs.`);
  return { input, dtype: expectFloat(part, input), output };
}
