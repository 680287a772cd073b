/**
 * Browser side of e2e/webgpu-attention.e2e.test.ts: bundled on the fly by the test and imported into the page,
 * where it runs one ONNX graph on onnxruntime-web's WebGPU EP (with the device src/runtime/webgpu/ort-device.ts
 * chooses, as the engine does) and on its WASM EP, on the same inputs. Test-only: never part of the app.
 */
import type { OrtModule } from '../src/runtime/ort.js';
import { needsSubgroupsWithheld, webgpuProvider } from '../src/runtime/webgpu/ort-device.js';

export interface BackendComparison {
  /** max |WebGPU − WASM| / max |WASM| over the output. */
  relError: number;
  elements: number;
  /** Whether the EP got our device without subgroups (true on SwiftShader's 4-lane subgroups). */
  subgroupsWithheld: boolean;
}

/** Uniform values in [-1, 1) from a xorshift32 stream: the same inputs for both backends. */
function pseudoRandom(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

async function run(
  ort: OrtModule,
  model: Uint8Array,
  ep: 'wasm' | 'webgpu',
  feeds: Record<string, number[]>,
): Promise<Float32Array> {
  const provider = ep === 'webgpu' ? await webgpuProvider(ort) : 'wasm';
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [provider],
    // No silent CPU fallback on WebGPU: the fused node must run there, or session creation fails.
    ...(ep === 'webgpu' ? { extra: { session: { disable_cpu_ep_fallback: '1' } } } : {}),
  });
  try {
    const inputs: Record<string, InstanceType<OrtModule['Tensor']>> = {};
    let seed = 1;
    for (const [name, dims] of Object.entries(feeds)) {
      const count = dims.reduce((a, b) => a * b, 1);
      inputs[name] = new ort.Tensor('float32', pseudoRandom(count, seed++ * 7919), dims);
    }
    const result = await session.run(inputs);
    const output = result[session.outputNames[0] as string];
    if (!output) throw new Error('the graph gave no output');
    return (await output.getData()) as Float32Array;
  } finally {
    await session.release();
  }
}

/** Run `modelUrl` on WebGPU and WASM with pseudo-random float32 inputs of the given shapes. */
export async function compareBackends(
  ortBase: string,
  modelUrl: string,
  feeds: Record<string, number[]>,
): Promise<BackendComparison> {
  const ort = (await import(/* @vite-ignore */ `${ortBase}ort.webgpu.min.mjs`)) as OrtModule;
  ort.env.wasm.wasmPaths = ortBase;
  ort.env.wasm.numThreads = 1;
  const model = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
  const wasm = await run(ort, model, 'wasm', feeds);
  const webgpu = await run(ort, model, 'webgpu', feeds);
  if (wasm.length !== webgpu.length) throw new Error(`output sizes differ: ${wasm.length} vs ${webgpu.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < wasm.length; i++) {
    const d = Math.abs((webgpu[i] as number) - (wasm[i] as number));
    maxDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxDiff, d);
    maxRef = Math.max(maxRef, Math.abs(wasm[i] as number));
  }
  const adapter = await navigator.gpu.requestAdapter();
  return {
    relError: maxDiff / maxRef,
    elements: wasm.length,
    subgroupsWithheld: adapter ? needsSubgroupsWithheld(adapter) : false,
  };
}
