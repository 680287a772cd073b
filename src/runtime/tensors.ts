import type { Tensor } from '../core/tensor/tensor.js';
import { float32ToHalf, halfToFloat32 } from './half.js';
import type { OrtModule, OrtTensor } from './ort.js';
import type { FloatType, TimestepFeed } from './signature.js';

export function toOrtFloat(ort: OrtModule, t: Tensor, dtype: FloatType): OrtTensor {
  return dtype === 'float16'
    ? new ort.Tensor('float16', float32ToHalf(t.data), [...t.shape])
    : new ort.Tensor('float32', t.data, [...t.shape]);
}

/** Read a float output back to float32 on the CPU, whatever its precision or location. */
export async function fromOrtFloat(t: OrtTensor): Promise<Tensor> {
  const data = await t.getData(true);
  const dims = [...t.dims];
  if (data instanceof Float32Array) return { data, shape: dims };
  if (t.type === 'float16') {
    // ORT hands float16 out as Uint16Array bits (or Float16Array where the platform has it).
    const f = data as unknown as ArrayLike<number> & { BYTES_PER_ELEMENT: number };
    if (data instanceof Uint16Array) return { data: halfToFloat32(data), shape: dims };
    return { data: Float32Array.from(f), shape: dims };
  }
  throw new TypeError(`expected a float tensor, got ${t.type}`);
}

export function timestepTensor(ort: OrtModule, feed: TimestepFeed, timestep: number, batch: number): OrtTensor {
  const count = feed.form === 'batch' ? batch : 1;
  const dims = feed.form === 'scalar' ? [] : [count];
  switch (feed.type) {
    case 'int64':
      return new ort.Tensor('int64', new BigInt64Array(count).fill(BigInt(Math.round(timestep))), dims);
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(count).fill(Math.round(timestep)), dims);
    case 'float32':
      return new ort.Tensor('float32', new Float32Array(count).fill(timestep), dims);
    case 'float16':
      return new ort.Tensor('float16', float32ToHalf(new Float32Array(count).fill(timestep)), dims);
  }
}
