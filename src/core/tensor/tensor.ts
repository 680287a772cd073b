/**
 * A dense float32 tensor in row-major (C) order. The core never needs more than this:
 * latents, noise predictions and text embeddings are all float32 on the way in and out.
 */
export interface Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor(data: Float32Array, shape: readonly number[]): Tensor {
  if (data.length !== numel(shape)) {
    throw new RangeError(`tensor data has ${data.length} values but shape [${shape.join(',')}] needs ${numel(shape)}`);
  }
  return { data, shape: [...shape] };
}

export function zeros(shape: readonly number[]): Tensor {
  return { data: new Float32Array(numel(shape)), shape: [...shape] };
}

export function cloneTensor(t: Tensor): Tensor {
  return { data: new Float32Array(t.data), shape: [...t.shape] };
}

export function shapeEquals(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

/** Concatenate tensors along axis 0 (the batch axis); all other dimensions must agree. */
export function concatBatch(parts: readonly Tensor[]): Tensor {
  const first = parts[0];
  if (!first) throw new RangeError('concatBatch needs at least one tensor');
  const inner = first.shape.slice(1);
  let rows = 0;
  for (const p of parts) {
    if (!shapeEquals(p.shape.slice(1), inner)) {
      throw new RangeError(`concatBatch: shape ${formatShape(p.shape)} does not match ${formatShape(first.shape)}`);
    }
    rows += p.shape[0] ?? 0;
  }
  const out = new Float32Array(numel([rows, ...inner]));
  let offset = 0;
  for (const p of parts) {
    out.set(p.data, offset);
    offset += p.data.length;
  }
  return { data: out, shape: [rows, ...inner] };
}

/** Split along axis 0 into `count` equal parts (views, no copy). */
export function splitBatch(t: Tensor, count: number): Tensor[] {
  const rows = t.shape[0] ?? 0;
  if (rows % count !== 0) throw new RangeError(`cannot split batch ${rows} into ${count} equal parts`);
  const partRows = rows / count;
  const partSize = t.data.length / count;
  const parts: Tensor[] = [];
  for (let i = 0; i < count; i++) {
    parts.push({ data: t.data.subarray(i * partSize, (i + 1) * partSize), shape: [partRows, ...t.shape.slice(1)] });
  }
  return parts;
}

/**
 * Repeat every batch row `times` times in place order (torch.repeat_interleave(x, times, dim=0)):
 * [a, b] -> [a, a, ..., b, b, ...]. Used to give every frame its video's text embedding.
 */
export function repeatInterleaveBatch(t: Tensor, times: number): Tensor {
  const rows = t.shape[0] ?? 0;
  const rowSize = rows === 0 ? 0 : t.data.length / rows;
  const out = new Float32Array(t.data.length * times);
  for (let r = 0; r < rows; r++) {
    const row = t.data.subarray(r * rowSize, (r + 1) * rowSize);
    for (let k = 0; k < times; k++) out.set(row, (r * times + k) * rowSize);
  }
  return { data: out, shape: [rows * times, ...t.shape.slice(1)] };
}
