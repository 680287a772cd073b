/**
 * What limits the engine on a big GPU, measured: onnxruntime-web's fp16 MatMul and Conv (the two programs that take
 * about 70 % of a UNet call's GPU time in the H100 profile, docs/performance.md) against GEMMs of the same sizes
 * written with WebGPU subgroup matrices (`chromium-experimental-subgroup-matrix`, Dawn's experimental feature, which
 * reaches the tensor cores through VK_KHR_cooperative_matrix; Dawn exposes it on the H100 under allow_unsafe_apis,
 * see adapter-probe.ts). onnxruntime-web 1.30's wasm build has no subgroup-matrix kernel for MatMul or Conv (its
 * SubgroupMatrixGemm program is compiled out of `__wasm__` builds), so its kernels run on the FMA units.
 *
 * Every kernel here is checked first: the full output of a smaller problem with the same kernel against a float64
 * reference on the CPU (the inputs are a hash of the element index, exact in f16, so the CPU makes the same ones).
 * The GEMM sizes are the IDM's at 512² (batch 32 = CFG × 16 frames, 64×64 latents, 320 channels): a 3×3 conv as
 * its implicit GEMM (M = 32·64·64, K = 320·9, N = 320), an attention projection, the feed-forward in and out, and a
 * square 4096³. The conv's GEMM omits the im2col gather, so it bounds a conv kernel from above.
 *
 * Bundled by scripts/dawn/build-bench.mjs; on the GPU machine:
 *   node --liftoff-only gemm-bench.mjs <payload dir> <results.json>
 */
import onnxProto from 'onnx-proto';
import { fromHalfBits, toHalfBits } from '../../src/runtime/half.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { resultsLog, setUpDawn, sharedOrtDevice } from './dawn-env.js';

const { onnx } = onnxProto;
const [payload, resultsPath, mode] = process.argv.slice(2);
if (!payload || !resultsPath) throw new Error('usage: gemm-bench.mjs <payload dir> <results.json> [--compile-only]');
/** --compile-only: build the pipelines and stop (with DAWN_FLAGS='backend=null;...' it checks the WGSL without a GPU). */
const compileOnly = mode === '--compile-only';

/** Dawn's experimental feature; not in @webgpu/types' GPUFeatureName. */
const SUBGROUP_MATRIX = 'chromium-experimental-subgroup-matrix' as GPUFeatureName;
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const FLOAT16 = 10;
const ITERATIONS = 10;
const print = resultsLog(resultsPath);

// ---- the device: onnxruntime runs on ours, so its inputs can be our buffers ---------------------------------------
const ort: OrtModule = await setUpDawn(
  payload,
  process.env.DAWN_FLAGS?.split(';').filter(Boolean) ?? ['enable-dawn-features=vulkan_enable_f16_on_nvidia,allow_unsafe_apis'],
);
const { adapter, device, provider: webgpu } = await sharedOrtDevice(ort);
const subgroupMatrix = adapter.features.has(SUBGROUP_MATRIX);
const info = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
print('adapter', {
  device: info.device,
  description: info.description,
  subgroupMinSize: info.subgroupMinSize,
  subgroupMaxSize: info.subgroupMaxSize,
  subgroupMatrix,
});
if (!compileOnly && (info.subgroupMinSize !== 32 || info.subgroupMaxSize !== 32)) {
  throw new Error('the subgroup-matrix kernels below assume 32-lane subgroups (NVIDIA)');
}
device.onuncapturederror = (e) => console.error('WebGPU error:', (e as GPUUncapturedErrorEvent).error.message);

// ---- inputs: a hash of the index, in multiples of 2^-10 within [-0.5, 0.5), exact in f16 -------------------------
function hashValue(index: number, seed: number): number {
  let h = (Math.imul(index ^ seed, 0x9e3779b1) + 0x7f4a7c15) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return (h >>> 22) / 1024 - 0.5;
}
const HASH_WGSL = /* wgsl */ `
fn hash_value(index: u32, seed: u32) -> f32 {
  var h = (index ^ seed) * 0x9e3779b1u + 0x7f4a7c15u;
  h = (h ^ (h >> 15u)) * 0x85ebca6bu;
  h = (h ^ (h >> 13u)) * 0xc2b2ae35u;
  h = h ^ (h >> 16u);
  return f32(h >> 22u) / 1024.0 - 0.5;
}`;
const fillPipeline = device.createComputePipeline({
  layout: 'auto',
  compute: {
    module: device.createShaderModule({
      code: /* wgsl */ `enable f16;
${HASH_WGSL}
struct Fill { count: u32, seed: u32, row_groups: u32, pad: u32 }
@group(0) @binding(0) var<storage, read_write> out: array<f16>;
@group(0) @binding(1) var<uniform> fill: Fill;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i = id.y * fill.row_groups * 256u + id.x;
  if (i < fill.count) { out[i] = f16(hash_value(i, fill.seed)); }
}`,
    }),
    entryPoint: 'main',
  },
});

function buffer(bytes: number, usage: number): GPUBuffer {
  return device.createBuffer({ size: Math.ceil(bytes / 16) * 16, usage });
}
function uniform(values: number[]): GPUBuffer {
  const b = buffer(values.length * 4, USAGE.UNIFORM | USAGE.COPY_DST);
  device.queue.writeBuffer(b, 0, new Uint32Array(values));
  return b;
}
function filledHalves(count: number, seed: number): GPUBuffer {
  const out = buffer(count * 2, USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST);
  const groups = Math.ceil(count / 256);
  const rowGroups = Math.min(groups, 65535);
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(fillPipeline);
  pass.setBindGroup(
    0,
    device.createBindGroup({
      layout: fillPipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: out } },
        { binding: 1, resource: { buffer: uniform([count, seed, rowGroups, 0]) } },
      ],
    }),
  );
  pass.dispatchWorkgroups(rowGroups, Math.ceil(groups / rowGroups));
  pass.end();
  device.queue.submit([encoder.finish()]);
  return out;
}
async function readBack(source: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const staging = device.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(source, 0, staging, 0, staging.size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(0x1);
  const data = staging.getMappedRange().slice(0);
  staging.destroy();
  return data;
}

// ---- subgroup-matrix GEMM: C[M,N] (f32) = A[M,K] · B[K,N], both f16 row-major --------------------------------------
interface Tiling {
  name: string;
  /** 16×16 result tiles per subgroup, down and across. */
  tilesM: number;
  tilesN: number;
  /** Subgroups per workgroup, down and across (32 lanes each). */
  subgroupsM: number;
  subgroupsN: number;
  /** Stage A and B tiles of this depth in workgroup memory; 0: load straight from the storage buffers. */
  sharedK: number;
  /** Halves added to each staged row (spreads the rows over the shared-memory banks). */
  pad?: number;
}
// Named by workgroup block, subgroup tile (16×16 result tiles per subgroup) and staging.
const TILINGS: Tiling[] = [
  { name: 'sgmat direct 64×64, 2×2 tiles', tilesM: 2, tilesN: 2, subgroupsM: 2, subgroupsN: 2, sharedK: 0 },
  { name: 'sgmat direct 128×64, 4×2 tiles', tilesM: 4, tilesN: 2, subgroupsM: 2, subgroupsN: 2, sharedK: 0 },
  { name: 'sgmat direct 128×128, 4×4 tiles', tilesM: 4, tilesN: 4, subgroupsM: 2, subgroupsN: 2, sharedK: 0 },
  { name: 'sgmat shared 128×64, 2×4 tiles, K32', tilesM: 2, tilesN: 4, subgroupsM: 4, subgroupsN: 1, sharedK: 32 },
  { name: 'sgmat shared 128×64, 2×4 tiles, K32 pad 8', tilesM: 2, tilesN: 4, subgroupsM: 4, subgroupsN: 1, sharedK: 32, pad: 8 },
  { name: 'sgmat shared 128×64, 4×2 tiles, K64 pad 8', tilesM: 4, tilesN: 2, subgroupsM: 2, subgroupsN: 2, sharedK: 64, pad: 8 },
  { name: 'sgmat shared 128×128, 4×2 tiles, K32', tilesM: 4, tilesN: 2, subgroupsM: 2, subgroupsN: 4, sharedK: 32 },
  { name: 'sgmat shared 128×128, 4×4 tiles, K32 pad 8', tilesM: 4, tilesN: 4, subgroupsM: 2, subgroupsN: 2, sharedK: 32, pad: 8 },
];
const blockM = (t: Tiling) => t.tilesM * t.subgroupsM * 16;
const blockN = (t: Tiling) => t.tilesN * t.subgroupsN * 16;

function gemmShader(t: Tiling): string {
  const threads = 32 * t.subgroupsM * t.subgroupsN;
  const bm = blockM(t);
  const bn = blockN(t);
  const strideA = t.sharedK + (t.pad ?? 0);
  const strideB = bn + (t.pad ?? 0);
  const acc: string[] = [];
  for (let i = 0; i < t.tilesM; i++) for (let j = 0; j < t.tilesN; j++) acc.push(`acc_${i}_${j}`);
  const left = (i: number, source: string) =>
    `let left_${i} = subgroupMatrixLoad<subgroup_matrix_left<f16, 16, 16>, row_major>(${source});`;
  const right = (j: number, source: string) =>
    `let right_${j} = subgroupMatrixLoad<subgroup_matrix_right<f16, 16, 16>, row_major>(${source});`;
  const multiply = acc.map((name) => {
    const [, i, j] = name.split('_');
    return `${name} = subgroupMatrixMultiplyAccumulate(left_${i}, right_${j}, ${name});`;
  });
  const loads = (k: string, fromShared: boolean) => [
    ...Array.from({ length: t.tilesM }, (_, i) =>
      left(
        i,
        fromShared
          ? `&tile_a, (sub_row + ${i * 16}u) * ${strideA}u + ${k}, ${strideA}u`
          : `&a, (row0 + ${i * 16}u) * dims.k + ${k}, dims.k`,
      ),
    ),
    ...Array.from({ length: t.tilesN }, (_, j) =>
      right(
        j,
        fromShared
          ? `&tile_b, ${k} * ${strideB}u + sub_col + ${j * 16}u, ${strideB}u`
          : `&b, ${k} * dims.n + col0 + ${j * 16}u, dims.n`,
      ),
    ),
    ...multiply,
  ];
  const body =
    t.sharedK === 0
      ? `for (var k = 0u; k < dims.k; k += 16u) {
    ${loads('k', false).join('\n    ')}
  }`
      : `for (var k0 = 0u; k0 < dims.k; k0 += ${t.sharedK}u) {
    // A's ${bm}×${t.sharedK} and B's ${t.sharedK}×${bn} block, four halves per load.
    for (var e = lid; e < ${(bm * t.sharedK) / 4}u; e += ${threads}u) {
      let r = e / ${t.sharedK / 4}u;
      let c = (e % ${t.sharedK / 4}u) * 4u;
      let v = a4[((block_row + r) * dims.k + k0 + c) / 4u];
      tile_a[r * ${strideA}u + c] = v.x; tile_a[r * ${strideA}u + c + 1u] = v.y;
      tile_a[r * ${strideA}u + c + 2u] = v.z; tile_a[r * ${strideA}u + c + 3u] = v.w;
    }
    for (var e = lid; e < ${(t.sharedK * bn) / 4}u; e += ${threads}u) {
      let r = e / ${bn / 4}u;
      let c = (e % ${bn / 4}u) * 4u;
      let v = b4[((k0 + r) * dims.n + block_col + c) / 4u];
      tile_b[r * ${strideB}u + c] = v.x; tile_b[r * ${strideB}u + c + 1u] = v.y;
      tile_b[r * ${strideB}u + c + 2u] = v.z; tile_b[r * ${strideB}u + c + 3u] = v.w;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${t.sharedK}u; kk += 16u) {
      ${loads('kk', true).join('\n      ')}
    }
    workgroupBarrier();
  }`;
  // Tint cannot prove that an offset built from lid / 32 is the same on every lane of a subgroup (it is: NVIDIA's
  // subgroups are 32 consecutive invocations), so its subgroup-matrix uniformity check is switched off, as
  // onnxruntime's and llama.cpp's WebGPU kernels do.
  return /* wgsl */ `diagnostic(off, chromium.subgroup_matrix_uniformity);
enable f16;
enable chromium_experimental_subgroup_matrix;
struct Dims { m: u32, k: u32, n: u32, pad: u32 }
@group(0) @binding(0) var<storage, read> a: array<f16>;
@group(0) @binding(1) var<storage, read> b: array<f16>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;
@group(0) @binding(4) var<storage, read> a4: array<vec4<f16>>;
@group(0) @binding(5) var<storage, read> b4: array<vec4<f16>>;
${t.sharedK ? `var<workgroup> tile_a: array<f16, ${bm * strideA}>;\nvar<workgroup> tile_b: array<f16, ${t.sharedK * strideB}>;` : ''}
@compute @workgroup_size(${threads})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lid: u32) {
  // NVIDIA's 32-lane subgroups are consecutive invocation indices.
  let subgroup = lid / 32u;
  let block_row = wg.y * ${bm}u;
  let block_col = wg.x * ${bn}u;
  let sub_row = (subgroup / ${t.subgroupsN}u) * ${t.tilesM * 16}u;
  let sub_col = (subgroup % ${t.subgroupsN}u) * ${t.tilesN * 16}u;
  let row0 = block_row + sub_row;
  let col0 = block_col + sub_col;
  ${acc.map((name) => `var ${name} = subgroup_matrix_result<f32, 16, 16>();`).join('\n  ')}
  ${body}
  ${acc
    .map((name) => {
      const [, i, j] = name.split('_');
      return `subgroupMatrixStore<row_major>(&c, (row0 + ${Number(i) * 16}u) * dims.n + col0 + ${Number(j) * 16}u, ${name}, dims.n);`;
    })
    .join('\n  ')}
}`;
}

interface Problem {
  name: string;
  m: number;
  k: number;
  n: number;
}
interface Operands {
  problem: Problem;
  a: GPUBuffer;
  b: GPUBuffer;
}
function operands(problem: Problem): Operands {
  return { problem, a: filledHalves(problem.m * problem.k, 1), b: filledHalves(problem.k * problem.n, 2) };
}

type Run = { encode(encoder: GPUCommandEncoder): void; output: GPUBuffer; outputHalf: boolean };

function gemmRun(pipeline: GPUComputePipeline, t: Tiling, ops: Operands): Run {
  const { m, k, n } = ops.problem;
  if (m % blockM(t) || n % blockN(t) || k % Math.max(16, t.sharedK)) throw new Error(`${t.name} does not tile ${m}×${k}×${n}`);
  const output = buffer(m * n * 4, USAGE.STORAGE | USAGE.COPY_SRC);
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: ops.a } },
      { binding: 1, resource: { buffer: ops.b } },
      { binding: 2, resource: { buffer: output } },
      { binding: 3, resource: { buffer: uniform([m, k, n, 0]) } },
      { binding: 4, resource: { buffer: ops.a } },
      { binding: 5, resource: { buffer: ops.b } },
      // 'auto' layouts hold only the bindings a shader uses: a/b (scalar) when loading directly, a4/b4 when staging.
    ].filter((entry) => (t.sharedK ? entry.binding >= 2 : entry.binding <= 3)),
  });
  return {
    output,
    outputHalf: false,
    encode(encoder) {
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(n / blockN(t), m / blockM(t));
      pass.end();
    },
  };
}

async function timeRun(
  encodeOnce: () => Promise<void> | void,
  iterations = ITERATIONS,
): Promise<{ medianMs: number; minMs: number }> {
  const times: number[] = [];
  for (let i = 0; i < iterations + 2; i++) {
    const started = performance.now();
    await encodeOnce();
    await device.queue.onSubmittedWorkDone();
    if (i >= 2) times.push(performance.now() - started);
  }
  times.sort((x, y) => x - y);
  return { medianMs: times[Math.floor(times.length / 2)] as number, minMs: times[0] as number };
}
const submit = (run: Run) => {
  const encoder = device.createCommandEncoder();
  run.encode(encoder);
  device.queue.submit([encoder.finish()]);
};

/** Largest |GPU − reference| over Σ|a·b| of that entry, over every output of the problem. */
async function check(run: Run, problem: Problem): Promise<number> {
  const { m, k, n } = problem;
  const raw = await readBack(run.output, m * n * (run.outputHalf ? 2 : 4));
  const got = run.outputHalf ? new Uint16Array(raw) : new Float32Array(raw);
  const a = new Float64Array(m * k).map((_, i) => hashValue(i, 1));
  const b = new Float64Array(k * n).map((_, i) => hashValue(i, 2));
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let scale = 0;
      for (let p = 0; p < k; p++) {
        const prod = (a[i * k + p] as number) * (b[p * n + j] as number);
        sum += prod;
        scale += Math.abs(prod);
      }
      const value = run.outputHalf ? fromHalfBits(got[i * n + j] as number) : (got[i * n + j] as number);
      worst = Math.max(worst, Math.abs(value - sum) / (scale || 1));
    }
  }
  return worst;
}

// ---- onnxruntime-web's kernels on the same device ------------------------------------------------------------------
function halfInput(name: string, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: FLOAT16,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}
function modelBytes(
  node: InstanceType<typeof onnx.NodeProto>,
  inputs: ReturnType<typeof halfInput>[],
  output: ReturnType<typeof halfInput>,
  initializer: InstanceType<typeof onnx.TensorProto>[] = [],
) {
  const graph = onnx.GraphProto.create({ name: node.opType, node: [node], input: inputs, output: [output], initializer });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph }),
  ).finish();
}
const matmulModel = modelBytes(
  onnx.NodeProto.create({ name: 'matmul', opType: 'MatMul', input: ['a', 'b'], output: ['c'] }),
  [halfInput('a', ['M', 'K']), halfInput('b', ['K', 'N'])],
  halfInput('c', ['M', 'N']),
);
const matmul = await ort.InferenceSession.create(matmulModel, {
  executionProviders: [webgpu],
  preferredOutputLocation: 'gpu-buffer',
});

function ortMatmulRun(ops: Operands): { run: () => Promise<void>; last: () => Run } {
  const { m, k, n } = ops.problem;
  const feeds = {
    a: ort.Tensor.fromGpuBuffer(ops.a, { dataType: 'float16', dims: [m, k] }),
    b: ort.Tensor.fromGpuBuffer(ops.b, { dataType: 'float16', dims: [k, n] }),
  };
  let output: { dispose(): void; gpuBuffer: unknown } | null = null;
  return {
    run: async () => {
      output?.dispose();
      const results = await matmul.run(feeds as never);
      output = results.c as unknown as { dispose(): void; gpuBuffer: unknown };
    },
    last: () => ({ output: output?.gpuBuffer as GPUBuffer, outputHalf: true, encode: () => {} }),
  };
}

// The IDM's level-1 3×3 conv at 512², batch 32: what the profile's Conv2dMM runs (weights are initializers there too).
const CONV = { batch: 32, channels: 320, size: 64 };
async function ortConv(): Promise<{ medianMs: number; minMs: number; gflop: number }> {
  const { batch, channels, size } = CONV;
  const weights = new Uint16Array(channels * channels * 9);
  for (let i = 0; i < weights.length; i++) weights[i] = toHalfBits(hashValue(i, 3) / 8);
  const model = modelBytes(
    onnx.NodeProto.create({
      name: 'conv',
      opType: 'Conv',
      input: ['x', 'w'],
      output: ['y'],
      attribute: [onnx.AttributeProto.create({ name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1, 1, 1] })],
    }),
    [halfInput('x', [batch, channels, size, size])],
    halfInput('y', [batch, channels, size, size]),
    [
      onnx.TensorProto.create({
        name: 'w',
        dataType: FLOAT16,
        dims: [channels, channels, 3, 3],
        rawData: new Uint8Array(weights.buffer),
      }),
    ],
  );
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [webgpu],
    preferredOutputLocation: 'gpu-buffer',
  });
  const x = filledHalves(batch * channels * size * size, 4);
  const feeds = { x: ort.Tensor.fromGpuBuffer(x, { dataType: 'float16', dims: [batch, channels, size, size] }) };
  let output: { dispose(): void } | null = null;
  const timing = await timeRun(async () => {
    output?.dispose();
    output = (await session.run(feeds as never)).y as unknown as { dispose(): void };
  });
  return { ...timing, gflop: (2 * batch * size * size * channels * channels * 9) / 1e9 };
}

// ---- run ------------------------------------------------------------------------------------------------------------
const CHECK: Problem[] = [
  { name: 'check: conv-like', m: 256, k: 2880, n: 320 },
  { name: 'check: ff-like', m: 128, k: 320, n: 2560 },
];
const PROBLEMS: Problem[] = [
  { name: '3×3 conv 320→320 as GEMM (IDM 512², batch 32)', m: 32 * 64 * 64, k: 320 * 9, n: 320 },
  { name: 'attention projection 320→320', m: 32 * 64 * 64, k: 320, n: 320 },
  { name: 'feed-forward in 320→2560', m: 32 * 64 * 64, k: 320, n: 2560 },
  { name: 'feed-forward out 1280→320', m: 32 * 64 * 64, k: 1280, n: 320 },
  { name: 'square 4096³', m: 4096, k: 4096, n: 4096 },
];
const tflops = (p: Problem, ms: number) => (2 * p.m * p.k * p.n) / (ms * 1e9);

const pipelines = new Map<string, GPUComputePipeline>();
if (subgroupMatrix) {
  for (const t of TILINGS) {
    try {
      pipelines.set(
        t.name,
        await device.createComputePipelineAsync({
          layout: 'auto',
          compute: { module: device.createShaderModule({ code: gemmShader(t) }), entryPoint: 'main' },
        }),
      );
    } catch (error) {
      print('pipeline failed', { kernel: t.name, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
if (compileOnly) {
  print('compiled', { kernels: [...pipelines.keys()] });
  process.exit(0);
}
// A kernel is timed only if every check problem it tiles came out right.
const checked = new Set<string>();
const failed = new Set<string>();
const TOLERANCE = 1e-3;
for (const problem of CHECK) {
  const ops = operands(problem);
  for (const t of TILINGS) {
    const pipeline = pipelines.get(t.name);
    if (!pipeline || problem.m % blockM(t) || problem.n % blockN(t)) continue;
    const run = gemmRun(pipeline, t, ops);
    submit(run);
    const error = await check(run, problem);
    print('check', { kernel: t.name, problem: problem.name, maxRelativeError: error, ok: error < TOLERANCE });
    checked.add(t.name);
    if (!(error < TOLERANCE)) failed.add(t.name);
    run.output.destroy();
  }
  const ortRun = ortMatmulRun(ops);
  await ortRun.run();
  await device.queue.onSubmittedWorkDone();
  print('check', {
    kernel: 'onnxruntime-web MatMul (f16 out)',
    problem: problem.name,
    maxRelativeError: await check(ortRun.last(), problem),
  });
  ops.a.destroy();
  ops.b.destroy();
}

for (const problem of PROBLEMS) {
  const ops = operands(problem);
  const ortRun = ortMatmulRun(ops);
  const ortTime = await timeRun(ortRun.run);
  print('gemm', {
    problem: problem.name,
    m: problem.m,
    k: problem.k,
    n: problem.n,
    kernel: 'onnxruntime-web MatMul',
    ...ortTime,
    tflops: tflops(problem, ortTime.medianMs),
  });
  for (const t of TILINGS) {
    const pipeline = pipelines.get(t.name);
    if (!pipeline || !checked.has(t.name) || failed.has(t.name) || problem.m % blockM(t) || problem.n % blockN(t)) continue;
    const run = gemmRun(pipeline, t, ops);
    const time = await timeRun(() => submit(run));
    print('gemm', {
      problem: problem.name,
      m: problem.m,
      k: problem.k,
      n: problem.n,
      kernel: t.name,
      ...time,
      tflops: tflops(problem, time.medianMs),
    });
    run.output.destroy();
  }
  ops.a.destroy();
  ops.b.destroy();
}
const conv = await ortConv();
print('conv', {
  problem: `Conv 3×3 ${CONV.channels}→${CONV.channels} on [${CONV.batch},${CONV.channels},${CONV.size},${CONV.size}]`,
  kernel: 'onnxruntime-web Conv',
  ...conv,
  tflops: conv.gflop / conv.medianMs,
});
