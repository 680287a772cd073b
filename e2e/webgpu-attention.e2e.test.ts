import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
// onnx-proto is CommonJS: Node's ESM loader only offers its default export at runtime.
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserSession, bundleTestEntry, launchBrowser } from './harness.js';

type Entry = typeof import('./webgpu-attention.entry.js');

const { onnx } = onnxProto;
const FLOAT = 1;
/**
 * A blank page of the test's own on a loopback origin (a secure context, so WebGPU is there), answered by a route:
 * no server, no dist/. Nothing on it is the app; the graphs, onnxruntime-web's files and the bundled entry are
 * served under it the same way.
 */
const ORIGIN = 'http://127.0.0.1:9';
const BASE = '/__webgpu-attention__/';
const ORT_DIST = join(import.meta.dirname, '..', 'node_modules', 'onnxruntime-web', 'dist');

/** The IDM's attention shapes in the bundled pack: 8×8 latents (64 query tokens), 4 heads, 77 text tokens. */
const BATCH = 2;
const TOKENS = 64;
const HIDDEN = 32;
const HEADS = 4;
const TEXT_TOKENS = 77;

function floatTensor(name: string, dims: number[], fill: (i: number) => number) {
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => fill(i));
  return onnx.TensorProto.create({ name, dataType: FLOAT, dims, rawData: new Uint8Array(data.buffer) });
}

function floatInput(name: string, dims: number[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
}

/** One com.microsoft node with the exporter's inputs (see tools/export/optimize.py), as model bytes. */
function singleNodeModel(
  opType: 'Attention' | 'MultiHeadAttention',
  inputs: Record<string, number[]>,
  initializers: ReturnType<typeof floatTensor>[],
): Uint8Array {
  const node = onnx.NodeProto.create({
    name: opType,
    opType,
    domain: 'com.microsoft',
    input: [...Object.keys(inputs), ...initializers.map((t) => t.name)],
    output: ['y'],
    attribute: [onnx.AttributeProto.create({ name: 'num_heads', type: onnx.AttributeProto.AttributeType.INT, i: HEADS })],
  });
  const graph = onnx.GraphProto.create({
    name: opType,
    node: [node],
    input: Object.entries(inputs).map(([name, dims]) => floatInput(name, dims)),
    output: [floatInput('y', [BATCH, TOKENS, HIDDEN])],
    initializer: initializers,
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

// Self-attention as the exporter fuses it: x · packed [q|k|v] weight, then a zero bias.
const ATTENTION_INPUTS = { x: [BATCH, TOKENS, HIDDEN] };
const ATTENTION = singleNodeModel('Attention', ATTENTION_INPUTS, [
  floatTensor('qkv_weight', [HIDDEN, 3 * HIDDEN], (i) => Math.sin(i * 0.37) / Math.sqrt(HIDDEN)),
  floatTensor('qkv_bias', [3 * HIDDEN], () => 0),
]);
// Cross-attention as the exporter fuses it: separate q, k, v (the projections stay MatMuls before it), zero bias.
const MHA_INPUTS = { q: [BATCH, TOKENS, HIDDEN], k: [BATCH, TEXT_TOKENS, HIDDEN], v: [BATCH, TEXT_TOKENS, HIDDEN] };
const MHA = singleNodeModel('MultiHeadAttention', MHA_INPUTS, [floatTensor('qkv_bias', [3 * HIDDEN], () => 0)]);

/**
 * The exporter's fused attention on onnxruntime-web's WebGPU EP, as the engine runs it, against its WASM EP.
 *
 * Why this test exists: with a 64-token query onnxruntime-web 1.30 takes its FlashAttention prefill kernel, whose
 * subgroup path is wrong on 4-lane subgroups. On SwiftShader with the EP's own device (subgroups on) both graphs
 * below came out wrong everywhere (relative error 0.6-1.1 against WASM; any batch, bias or head size; right below
 * 32 query tokens), and the fused tinyworld-v2 pack was 17 LSB off after 2 IV-mixed steps. The engine's device
 * without subgroups on such adapters (src/runtime/webgpu/ort-device.ts) makes the EP take the kernel's
 * shared-memory path; these are the graphs that must then match.
 */
describe('fused attention on WebGPU matches WASM', () => {
  let browser: BrowserSession;

  beforeAll(async () => {
    const served: Record<string, Uint8Array> = {
      'entry.js': await bundleTestEntry(join(import.meta.dirname, 'webgpu-attention.entry.ts')),
      'attention.onnx': ATTENTION,
      'mha.onnx': MHA,
      '': new TextEncoder().encode('<!doctype html><title>fused attention</title>'),
    };
    browser = await launchBrowser();
    // Registered after the harness's own route, so it is consulted first; other hosts stay aborted by the harness.
    await browser.context.route(`${ORIGIN}${BASE}**`, (route) => {
      const path = decodeURIComponent(new URL(route.request().url()).pathname.slice(BASE.length));
      const types: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
      const type = types[extname(path)] ?? (path === '' ? 'text/html' : 'application/octet-stream');
      if (path.startsWith('ort/')) {
        const file = join(ORT_DIST, normalize(path.slice('ort/'.length)));
        if (!file.startsWith(ORT_DIST) || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
        return route.fulfill({ status: 200, body: readFileSync(file), headers: { 'content-type': type } });
      }
      const body = served[path];
      return body
        ? route.fulfill({ status: 200, body: Buffer.from(body), headers: { 'content-type': type } })
        : route.fulfill({ status: 404, body: 'not found' });
    });
    await browser.page.goto(`${ORIGIN}${BASE}`);
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** A string, because vitest would rewrite a dynamic import inside a function passed to page.evaluate. */
  async function compare(model: string, feeds: Record<string, number[]>) {
    type Result = Awaited<ReturnType<Entry['compareBackends']>>;
    return browser.page.evaluate<Result>(
      `import('${BASE}entry.js').then((entry) => entry.compareBackends('${BASE}ort/', '${BASE}${model}', ${JSON.stringify(feeds)}))`,
    );
  }

  it('Attention (self-attention, packed qkv weight, zero bias), 64-token query', async () => {
    const result = await compare('attention.onnx', ATTENTION_INPUTS);
    if (process.env.IVMIX_PRINT) console.log('Attention', result);
    expect(result.elements).toBe(BATCH * TOKENS * HIDDEN);
    expect(result.relError).toBeLessThanOrEqual(1e-5);
    expect(browser.gpuErrors).toEqual([]);
    expect(browser.externalRequests).toEqual([]);
  });

  it('MultiHeadAttention (cross-attention, separate q/k/v, zero bias), 64-token query over 77 text tokens', async () => {
    const result = await compare('mha.onnx', MHA_INPUTS);
    if (process.env.IVMIX_PRINT) console.log('MultiHeadAttention', result);
    expect(result.elements).toBe(BATCH * TOKENS * HIDDEN);
    expect(result.relError).toBeLessThanOrEqual(1e-5);
    expect(browser.gpuErrors).toEqual([]);
    expect(browser.externalRequests).toEqual([]);
  });
});
