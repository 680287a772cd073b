import { describe, expect, it } from 'vitest';
import {
  cloneTensor,
  concatBatch,
  formatShape,
  numel,
  repeatInterleaveBatch,
  shapeEquals,
  splitBatch,
  tensor,
  zeros,
} from '../../src/core/tensor/tensor.js';

const T = (values: number[], shape: number[]) => ({ data: Float32Array.from(values), shape });

describe('tensor helpers', () => {
  it('numel, shapeEquals, formatShape', () => {
    expect(numel([2, 3, 4])).toBe(24);
    expect(numel([])).toBe(1);
    expect(shapeEquals([1, 2], [1, 2])).toBe(true);
    expect(shapeEquals([1, 2], [2, 1])).toBe(false);
    expect(shapeEquals([1, 2], [1, 2, 1])).toBe(false);
    expect(formatShape([2, 'F', 3])).toBe('[2, F, 3]');
  });

  it('tensor() checks the element count; zeros and cloneTensor copy', () => {
    expect(() => tensor(new Float32Array(5), [2, 3])).toThrow(RangeError);
    expect(tensor(new Float32Array(6), [2, 3]).shape).toEqual([2, 3]);
    expect(zeros([2, 2]).data).toEqual(new Float32Array(4));
    const a = T([1, 2], [2]);
    const b = cloneTensor(a);
    b.data[0] = 9;
    expect(a.data[0]).toBe(1);
  });

  it('concatBatch stacks along axis 0 and checks the inner shape', () => {
    const c = concatBatch([T([1, 2], [1, 2]), T([3, 4, 5, 6], [2, 2])]);
    expect(c.shape).toEqual([3, 2]);
    expect(Array.from(c.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => concatBatch([T([1, 2], [1, 2]), T([1, 2, 3], [1, 3])])).toThrow(RangeError);
    expect(() => concatBatch([])).toThrow(RangeError);
  });

  it('splitBatch splits along axis 0 into equal parts', () => {
    const [a, b] = splitBatch(T([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]), 2);
    expect(a?.shape).toEqual([2, 2]);
    expect(Array.from(a?.data ?? [])).toEqual([1, 2, 3, 4]);
    expect(Array.from(b?.data ?? [])).toEqual([5, 6, 7, 8]);
    expect(() => splitBatch(T([1, 2, 3], [3, 1]), 2)).toThrow(RangeError);
  });

  it('repeatInterleaveBatch is torch.repeat_interleave(x, n, dim=0): [a, b] → [a, a, a, b, b, b]', () => {
    const r = repeatInterleaveBatch(T([1, 2, 3, 4], [2, 2]), 3);
    expect(r.shape).toEqual([6, 2]);
    expect(Array.from(r.data)).toEqual([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
  });
});
