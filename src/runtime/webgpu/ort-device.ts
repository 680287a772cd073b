/**
 * The GPUDevice that onnxruntime-web's WebGPU execution provider runs on.
 *
 * onnxruntime-web 1.30 runs com.microsoft Attention and MultiHeadAttention (the exporter's fused UNet attention)
 * with its FlashAttention kernels. For a query of 32 tokens or more it takes the prefill kernel, whose subgroup
 * path assumes subgroups of at least 8 lanes: it advances through the keys by the subgroup size but scores 8 keys
 * per step, fetching keys 4-7 from lanes that a 4-lane subgroup does not have. Chromium's software adapter
 * (SwiftShader) has 4-lane subgroups, and there every output of such a node is wrong (relative error 0.5-1.1 on
 * single nodes, whatever the batch, bias, head size or key length; queries under 32 tokens take the split-reduce
 * kernel and are right). Without the `subgroups` feature the EP takes the kernel's shared-memory path, which
 * matches WASM to 1e-6. So on an adapter whose subgroups can be narrower than 8 lanes, this module creates the
 * device itself, with every feature and limit the adapter offers except the subgroup ones, and hands it to the
 * EP; elsewhere the EP creates its own device as usual. e2e/webgpu-attention.e2e.test.ts checks both ops.
 */
import type { OrtModule } from '../ort.js';

/** The narrowest subgroup the FlashAttention prefill kernel handles (its subgroup path scores 8 keys per step). */
export const MIN_FLASH_ATTENTION_SUBGROUP_LANES = 8;

export type WebgpuProvider = 'webgpu' | { name: 'webgpu'; device: GPUDevice };

type AdapterLike = Pick<GPUAdapter, 'features' | 'info'>;

/** True where the adapter offers subgroups that may be narrower than the FlashAttention kernel assumes. */
export function needsSubgroupsWithheld(adapter: AdapterLike): boolean {
  const minLanes = (adapter.info as GPUAdapterInfo & { subgroupMinSize?: number }).subgroupMinSize;
  return adapter.features.has('subgroups') && typeof minLanes === 'number' && minLanes < MIN_FLASH_ATTENTION_SUBGROUP_LANES;
}

/** A device with all of the adapter's limits and features but the subgroup ones (the EP asks for its maxima too). */
export async function deviceWithoutSubgroups(adapter: GPUAdapter): Promise<GPUDevice> {
  const requiredFeatures = [...adapter.features].filter((f) => !/subgroup/.test(f)) as GPUFeatureName[];
  const requiredLimits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const value = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') requiredLimits[key] = value;
  }
  return adapter.requestDevice({ requiredFeatures, requiredLimits });
}

const providers = new WeakMap<object, Promise<WebgpuProvider>>();

/**
 * The `executionProviders` entry for WebGPU sessions of this onnxruntime module: plain 'webgpu', or the EP with a
 * device without subgroups (see above). One device per module, shared by all its sessions, and published as
 * `ort.env.webgpu.device`, where the engine and the worker look for the device the UNets run on.
 */
export function webgpuProvider(ort: OrtModule): Promise<WebgpuProvider> {
  let provider = providers.get(ort.env);
  if (!provider) {
    provider = chooseProvider(ort);
    providers.set(ort.env, provider);
    provider.catch(() => providers.delete(ort.env));
  }
  return provider;
}

async function chooseProvider(ort: OrtModule): Promise<WebgpuProvider> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const adapter = ort.env.webgpu.adapter ?? (await gpu?.requestAdapter());
  if (!adapter || !needsSubgroupsWithheld(adapter)) return 'webgpu';
  const device = await deviceWithoutSubgroups(adapter);
  ort.env.webgpu.device = device;
  return { name: 'webgpu', device };
}
