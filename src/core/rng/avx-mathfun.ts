/**
 * float32 log and sincos exactly as PyTorch's `avx_mathfun.h` (Cephes polynomials, AVX port by
 * Giovanni Garberoglio) computes them, one lane at a time. PyTorch's AVX2 `normal_fill` uses these
 * instead of libm, so reproducing `torch.randn` to the bit needs the same polynomials and the same
 * operation order; every operation is rounded to float32 as the vector instruction would.
 */
import { fmaF32 as fma } from '../float32.js';

const f32 = Math.fround;

const buf = new DataView(new ArrayBuffer(4));

function bitsOf(x: number): number {
  buf.setFloat32(0, x);
  return buf.getUint32(0);
}
function fromBits(bits: number): number {
  buf.setUint32(0, bits >>> 0);
  return buf.getFloat32(0);
}

// Cephes constants, written as the nearest float64 (each is then rounded to float32 as in the C source).
const SQRTHF = f32(Math.SQRT1_2);
const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1,
  -2.4999993993e-1, 3.3333331174e-1,
].map(f32);
const LOG_Q1 = f32(-2.1219444e-4);
const LOG_Q2 = f32(0.693359375);
const MIN_NORM_POS = fromBits(0x00800000);

/** log256_ps for one positive lane (u1 ∈ (0, 1] in normal_fill, so the NaN branch never fires). */
export function logPs(value: number): number {
  let x = Math.max(f32(value), MIN_NORM_POS);
  const bits = bitsOf(x);
  let e = f32((bits >>> 23) - 0x7f + 1);
  x = fromBits((bits & ~0x7f800000) | bitsOf(0.5));
  const below = x < SQRTHF;
  const tmp = below ? x : 0;
  x = f32(x - 1);
  if (below) e = f32(e - 1);
  x = f32(x + tmp);
  const z = f32(x * x);
  let y = LOG_P[0] as number;
  for (let k = 1; k < LOG_P.length; k++) y = fma(y, x, LOG_P[k] as number);
  y = f32(y * x);
  y = f32(y * z);
  y = fma(e, LOG_Q1, y);
  y = fma(-z, 0.5, y);
  x = f32(x + y);
  return fma(e, LOG_Q2, x);
}

const FOPI = f32(1.27323954473516);
const DP1 = f32(-0.78515625);
const DP2 = f32(-0.00024187564849853516);
const DP3 = f32(-3.774894977445941e-8);
const COS_P = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(f32);
const SIN_P = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(f32);

/** sincos256_ps for one lane: returns [sin, cos]. */
export function sincosPs(value: number): [number, number] {
  let x = f32(value);
  let signSin = x < 0 || Object.is(x, -0) ? 1 : 0;
  x = Math.abs(x);
  let y = f32(x * FOPI);
  let j = Math.trunc(y) | 0;
  j = (j + 1) & ~1;
  y = f32(j);
  const swapSin = (j & 4) !== 0 ? 1 : 0;
  const usePolyCos = (j & 2) === 0;
  x = fma(y, DP1, x);
  x = fma(y, DP2, x);
  x = fma(y, DP3, x);
  const signCos = (~(j - 2) & 4) !== 0 ? 1 : 0;
  signSin ^= swapSin;
  const z = f32(x * x);
  let c = COS_P[0] as number;
  c = fma(c, z, COS_P[1] as number);
  c = fma(c, z, COS_P[2] as number);
  c = f32(c * z);
  c = fma(c, z, -f32(z * 0.5));
  c = f32(c + 1);
  let s = SIN_P[0] as number;
  s = fma(s, z, SIN_P[1] as number);
  s = fma(s, z, SIN_P[2] as number);
  s = f32(s * z);
  s = fma(s, x, x);
  const sinValue = usePolyCos ? s : c;
  const cosValue = usePolyCos ? c : s;
  return [signSin ? -sinValue : sinValue, signCos ? -cosValue : cosValue];
}
