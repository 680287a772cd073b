const f32 = Math.fround;

/**
 * Fused multiply-add a·b + c of float32 values, rounded once to float32, as a CPU FMA instruction
 * computes it. PyTorch's compiled CPU kernels contract multiply-adds into FMAs (GCC -ffp-contract=fast),
 * e.g. in `linspace` (start + step·i) and in the Cephes polynomials of its AVX2 `randn`. The product of two float32 values
 * is exact in float64; the float64 sum may be rounded, which only matters when it lands exactly on a
 * float32 tie, so the rounding error recovered by TwoSum breaks such ties the way one rounding would.
 */
export function fmaF32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = f32(s);
  const bb = s - p;
  const err = p - (s - bb) + (c - bb);
  if (err === 0 || r === s) return r;
  const other = err > 0 ? nextF32Up(r, s) : nextF32Down(r, s);
  // A tie: s is exactly halfway between r and its neighbour on the error's side.
  if (other !== r && Math.abs(other - s) === Math.abs(r - s)) return other;
  return r;
}

function nextF32Up(r: number, s: number): number {
  return r > s ? r : f32(r + ulp32(r));
}
function nextF32Down(r: number, s: number): number {
  return r < s ? r : f32(r - ulp32(r));
}
function ulp32(x: number): number {
  const e = Math.max(Math.floor(Math.log2(Math.abs(x) || 2 ** -126)), -126);
  return 2 ** (e - 23);
}
