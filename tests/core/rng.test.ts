import { describe, expect, it } from 'vitest';
import { logPs, sincosPs } from '../../src/core/rng/avx-mathfun.js';
import { Mt19937 } from '../../src/core/rng/mt19937.js';
import { TorchGenerator } from '../../src/core/rng/torch-generator.js';
import { VISIBLE_CASES } from '../helpers/fixtures.js';
import { at, initLatents } from './support.js';

describe('Mt19937', () => {
  it('seed 5489 (std::mt19937 default): first output 3499211612, 10000th output 4123659995 (C++ [rand.predef])', () => {
    const mt = new Mt19937(5489);
    const first = mt.nextUint32();
    expect(first).toBe(3499211612);
    let v = first;
    for (let i = 2; i <= 10000; i++) v = mt.nextUint32();
    expect(v).toBe(4123659995);
  });

  it('truncates the seed to 32 bits, as std::mt19937 and at::mt19937 do', () => {
    const a = new Mt19937(5489n + 2n ** 32n);
    expect(a.nextUint32()).toBe(3499211612);
    expect(new Mt19937(5489n).nextUint32()).toBe(3499211612);
  });

  it('outputs unsigned 32-bit integers', () => {
    const mt = new Mt19937(1);
    for (let i = 0; i < 2000; i++) {
      const v = mt.nextUint32();
      expect(Number.isInteger(v) && v >= 0 && v < 2 ** 32).toBe(true);
    }
  });
});

describe('TorchGenerator.randn', () => {
  it.each(VISIBLE_CASES)(
    'seed 23523, 2048 values equals the fixture init_latents.f32 of %s bit for bit (torch.randn, CPU generator)',
    (name) => {
      const ours = new TorchGenerator(23523).randn(2048);
      const ref = initLatents(name);
      expect(ref.length).toBe(2048);
      let mismatches = 0;
      for (let i = 0; i < 2048; i++) if (ours[i] !== ref[i]) mismatches++;
      expect(mismatches).toBe(0);
    },
  );

  it('same seed twice gives identical draws; different seeds differ', () => {
    const a = new TorchGenerator(42).randn(256);
    const b = new TorchGenerator(42).randn(256);
    const c = new TorchGenerator(43).randn(256);
    expect(b).toEqual(a);
    let same = 0;
    for (let i = 0; i < 256; i++) if (a[i] === c[i]) same++;
    expect(same).toBe(0);
  });

  it('the first value is Box–Muller of the first and ninth uniforms: √(−2 ln(1 − u₀))·cos(2π·u₈)', () => {
    // u = (mt() & (2^24 − 1)) · 2^−24 (ATen uniform_real_distribution<float>); pairing j with j + 8.
    const mt = new Mt19937(23523);
    const u = Array.from({ length: 16 }, () => (mt.nextUint32() & 0xffffff) * 2 ** -24);
    const r = Math.sqrt(-2 * Math.log(1 - at(u, 0)));
    const x0 = r * Math.cos(2 * Math.PI * at(u, 8));
    const x8 = r * Math.sin(2 * Math.PI * at(u, 8));
    const ours = new TorchGenerator(23523).randn(16);
    expect(Math.abs(at(ours, 0) - x0)).toBeLessThan(1e-5);
    expect(Math.abs(at(ours, 8) - x8)).toBeLessThan(1e-5);
    expect(at(ours, 0)).toBe(at(initLatents('v1-ivmix-default'), 0));
  });

  it('consecutive draws continue the stream: randn(32) = randn(16) followed by randn(16)', () => {
    const g = new TorchGenerator(5);
    const parts = [...g.randn(16), ...g.randn(16)];
    expect(Array.from(new TorchGenerator(5).randn(32))).toEqual(parts);
  });

  /**
   * ATen normal_fill for a size that is not a multiple of 16 (torch-generator.ts): draw `count` uniforms,
   * transform every full block of 16, then draw 16 fresh uniforms and transform them into the last 16
   * slots. For count = 40: uniforms u0..u39, blocks [0,16) and [16,32) from u0..u31, then slots 24..39
   * are overwritten by the transform of fresh u40..u55 (56 uniforms consumed). Hence:
   *  - slots 0..23 equal a 48-value draw's slots 0..23 (same blocks from u0..u31);
   *  - slots 24..39 are NOT the 48-value draw's (that one transforms u32..u47 at 32..47, and slots
   *    24..31 come from the block u16..u31 that the 40-value draw overwrote);
   *  - slots 24..39 equal the second draw of a generator that first drew 24 values (which consumes
   *    24 + 16 = 40 uniforms), i.e. the transform of u40..u55;
   *  - the next draw after randn(40) starts at u56.
   */
  it('count not a multiple of 16 (40): the last 16 values are recomputed from fresh uniforms', () => {
    const seed = 23523;
    const d40 = new TorchGenerator(seed).randn(40);
    const d48 = new TorchGenerator(seed).randn(48);
    expect(Array.from(d40.subarray(0, 24))).toEqual(Array.from(d48.subarray(0, 24)));
    for (let i = 24; i < 32; i++) expect(d40[i]).not.toBe(d48[i]);

    const g = new TorchGenerator(seed);
    g.randn(24); // u0..u39
    const fresh = g.randn(16); // u40..u55
    expect(Array.from(d40.subarray(24, 40))).toEqual(Array.from(fresh));

    const g40 = new TorchGenerator(seed);
    g40.randn(40);
    expect(Array.from(g40.randn(16))).toEqual(Array.from(g.randn(16))); // both at u56..u71
  });

  it('count 24: slots 0..7 keep the first block, slots 8..23 are the transform of fresh uniforms u24..u39', () => {
    const d24 = new TorchGenerator(9).randn(24);
    const d16 = new TorchGenerator(9).randn(16);
    expect(Array.from(d24.subarray(0, 8))).toEqual(Array.from(d16.subarray(0, 8)));
    // Slots 8..15 were the sine half of the first block; the recompute replaced them.
    for (let i = 8; i < 16; i++) expect(d24[i]).not.toBe(d16[i]);
    // randn(24) consumes 24 + 16 = 40 uniforms, so the next 16 values are the transform of u40..u55, which is
    // exactly what randn(40) writes into its last 16 slots.
    const g = new TorchGenerator(9);
    g.randn(24);
    expect(Array.from(g.randn(16))).toEqual(Array.from(new TorchGenerator(9).randn(40).subarray(24, 40)));
  });

  it('looks standard normal: mean ≈ 0 and variance ≈ 1 over 4096 values', () => {
    const x = new TorchGenerator(1).randn(4096);
    let mean = 0;
    for (const v of x) mean += v;
    mean /= x.length;
    let variance = 0;
    for (const v of x) variance += (v - mean) ** 2;
    variance /= x.length;
    expect(Math.abs(mean)).toBeLessThan(0.06);
    expect(Math.abs(variance - 1)).toBeLessThan(0.08);
  });

  it('refuses fewer than 16 values and invalid seeds', () => {
    expect(() => new TorchGenerator(1).randn(15)).toThrow(RangeError);
    expect(() => new TorchGenerator(1).randn(0)).toThrow(RangeError);
    expect(() => new TorchGenerator(1).randn(16.5)).toThrow(RangeError);
    expect(() => new TorchGenerator(-1)).toThrow(RangeError);
    expect(() => new TorchGenerator(1.5)).toThrow(RangeError);
  });
});

describe('avx-mathfun (Cephes float32 log / sincos)', () => {
  it('logPs is within a few float32 ulps of ln on (0, 1]', () => {
    for (let k = 1; k <= 2000; k++) {
      const x = Math.fround(k / 2000);
      const ours = logPs(x);
      expect(Math.abs(ours - Math.log(x))).toBeLessThanOrEqual(4e-7 * Math.max(1, Math.abs(Math.log(x))));
    }
    expect(logPs(1)).toBe(0);
  });

  it('sincosPs is within a few float32 ulps of sin and cos on [0, 2π]', () => {
    for (let k = 0; k <= 2000; k++) {
      const x = Math.fround((k / 2000) * 2 * Math.PI);
      const [s, c] = sincosPs(x);
      expect(Math.abs(s - Math.sin(x))).toBeLessThan(3e-7);
      expect(Math.abs(c - Math.cos(x))).toBeLessThan(3e-7);
    }
    expect(sincosPs(0)).toEqual([0, 1]);
  });
});
