/**
 * The WGSL compute shaders of the GPU latent space: the scheduler arithmetic that runs between UNet calls.
 * Each is one element-wise pass in float32, written in the order of the CPU code (src/core/scheduler/ddim.ts,
 * src/core/sampler/latent-space.ts), with every per-step number computed on the CPU once (DdimCoefficients).
 * A GPU may fuse a·b + c into one FMA and divides within 2.5 ULP, so results agree with the CPU to about
 * 1e-7 relative rather than bit for bit.
 *
 * Dispatch: 256 threads per workgroup, workgroups laid out in 2-D when one dimension would exceed 65535;
 * `stride` is the number of threads per row of workgroups, so element i = id.x + id.y · stride.
 */
export const WORKGROUP_SIZE = 256;

const INDEX = /* wgsl */ `
fn elementIndex(id: vec3<u32>, stride: u32) -> u32 { return id.x + id.y * stride; }
`;

/** out[i] = u[uOffset + i] + w · (c[cOffset + i] − u[uOffset + i]): CFG, batched ([u; c] in one buffer) or split. */
export const GUIDE_WGSL = /* wgsl */ `
struct Params { n: u32, stride: u32, uOffset: u32, cOffset: u32, weight: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> u: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${INDEX}
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = elementIndex(id, p.stride);
  if (i >= p.n) { return; }
  let uv = u[p.uOffset + i];
  let diff = c[p.cOffset + i] - uv;
  let scaled = p.weight * diff;
  out[i] = uv + scaled;
}
`;

/**
 * One DDIM / DDIM-inversion step. mode: 0 epsilon, 1 sample, 2 v_prediction. clip: clip_sample on/off.
 * noise: add std · z[i] (eta > 0).
 */
export const DDIM_WGSL = /* wgsl */ `
struct Params {
  n: u32, stride: u32, mode: u32, clip: u32,
  noise: u32, clipRange: f32, sqrtAlpha: f32, sqrtBeta: f32,
  sqrtAlphaNext: f32, dirCoef: f32, noiseStd: f32, pad: f32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> m: array<f32>;
@group(0) @binding(3) var<storage, read> z: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
${INDEX}
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = elementIndex(id, p.stride);
  if (i >= p.n) { return; }
  let xs = x[i];
  let mo = m[i];
  var x0: f32;
  var eps: f32;
  if (p.mode == 0u) {
    let t = p.sqrtBeta * mo;
    x0 = (xs - t) / p.sqrtAlpha;
    eps = mo;
  } else if (p.mode == 1u) {
    x0 = mo;
    let t = p.sqrtAlpha * mo;
    eps = (xs - t) / p.sqrtBeta;
  } else {
    let ax = p.sqrtAlpha * xs;
    let bm = p.sqrtBeta * mo;
    x0 = ax - bm;
    let am = p.sqrtAlpha * mo;
    let bx = p.sqrtBeta * xs;
    eps = am + bx;
  }
  if (p.clip != 0u) { x0 = clamp(x0, -p.clipRange, p.clipRange); }
  let toward = p.sqrtAlphaNext * x0;
  let direction = p.dirCoef * eps;
  var o = toward + direction;
  if (p.noise != 0u) {
    let s = p.noiseStd * z[i];
    o = o + s;
  }
  out[i] = o;
}
`;

/** out[a][y][x][s] = in[a][x][y][s]: b c f hw ↔ (b f) c hw, the video ↔ frames permute. */
export const SWAP_WGSL = /* wgsl */ `
struct Params { n: u32, stride: u32, outer: u32, dimX: u32, dimY: u32, inner: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${INDEX}
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = elementIndex(id, p.stride);
  if (i >= p.n) { return; }
  let s = i % p.inner;
  let r1 = i / p.inner;
  let xi = r1 % p.dimX;
  let r2 = r1 / p.dimX;
  let yi = r2 % p.dimY;
  let a = r2 / p.dimY;
  out[i] = src[((a * p.dimX + xi) * p.dimY + yi) * p.inner + s];
}
`;

/** float32 → float16 pairs (n/2 words) and back, for fp16 graphs; WGSL's pack builtins need no shader-f16. */
export const TO_HALF_WGSL = /* wgsl */ `
struct Params { n: u32, stride: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
${INDEX}
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = elementIndex(id, p.stride);
  if (j >= p.n) { return; }
  out[j] = pack2x16float(vec2<f32>(src[2u * j], src[2u * j + 1u]));
}
`;

export const FROM_HALF_WGSL = /* wgsl */ `
struct Params { n: u32, stride: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${INDEX}
@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = elementIndex(id, p.stride);
  if (j >= p.n) { return; }
  let v = unpack2x16float(src[j]);
  out[2u * j] = v.x;
  out[2u * j + 1u] = v.y;
}
`;

export const KERNELS = {
  guide: GUIDE_WGSL,
  ddim: DDIM_WGSL,
  swap: SWAP_WGSL,
  toHalf: TO_HALF_WGSL,
  fromHalf: FROM_HALF_WGSL,
} as const;

export type KernelName = keyof typeof KERNELS;
