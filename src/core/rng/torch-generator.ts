import { logPs, sincosPs } from './avx-mathfun.js';
import { Mt19937 } from './mt19937.js';

const f32 = Math.fround;

/**
 * A seeded Gaussian generator that reproduces PyTorch's CPU `torch.randn` stream:
 * `torch.randn(shape, generator=torch.Generator().manual_seed(seed))` for float32 tensors of at
 * least 16 elements. Same seed, same draw order, same numbers (to float32 rounding of log/cos/sin),
 * so a seed here gives the initial noise diffusers gives with a CPU generator, on every machine.
 *
 * Algorithm (ATen `normal_fill`): fill the tensor with uniforms u = (mt() & (2^24 − 1)) · 2^−24,
 * then turn each block of 16 into normals with Box–Muller, pairing element j with j + 8:
 * r = √(−2·ln(1 − u_j)), θ = 2π·u_{j+8}, x_j = r·cos θ, x_{j+8} = r·sin θ. When the size is not a
 * multiple of 16 the last 16 elements are redrawn from fresh uniforms and transformed again.
 * The transform is the AVX2 one (`normal_fill_16_AVX2`, float32 Cephes log/sincos with FMAs) that
 * x86-64 PyTorch builds run: checked bit for bit against torch's draws for the parity fixtures.
 * (A torch build without AVX2 uses libm instead and differs by at most an ulp.)
 */
export class TorchGenerator {
  private readonly mt: Mt19937;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
    this.mt = new Mt19937(seed);
  }

  private uniform(): number {
    return ((this.mt.nextUint32() & 0xffffff) * 2 ** -24) as number;
  }

  /** Standard normal draws for a contiguous float32 tensor of `count` elements (count ≥ 16). */
  randn(count: number): Float32Array {
    if (!Number.isInteger(count) || count < 16) {
      throw new RangeError(
        `randn draws tensors of at least 16 elements (PyTorch uses another algorithm below that), got ${count}`,
      );
    }
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = this.uniform();
    for (let i = 0; i + 16 <= count; i += 16) boxMuller16(data, i);
    if (count % 16 !== 0) {
      const start = count - 16;
      for (let i = 0; i < 16; i++) data[start + i] = this.uniform();
      boxMuller16(data, start);
    }
    return data;
  }
}

const TWO_PI = f32(2 * Math.PI);

function boxMuller16(data: Float32Array, offset: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = f32(1 - (data[offset + j] as number));
    const u2 = data[offset + j + 8] as number;
    const radius = f32(Math.sqrt(f32(-2 * logPs(u1))));
    const [sinTheta, cosTheta] = sincosPs(f32(TWO_PI * u2));
    data[offset + j] = radius * cosTheta;
    data[offset + j + 8] = radius * sinTheta;
  }
}
