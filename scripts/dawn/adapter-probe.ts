/**
 * What Dawn exposes on this machine's GPU under a few toggle sets, one JSON line per set: adapter info, features,
 * the limits that bound onnxruntime's kernels. The question behind it: is `chromium-experimental-subgroup-matrix`
 * (tensor cores, over VK_KHR_cooperative_matrix on Vulkan) reachable on the H100, and with which M/N/K and types?
 * Where the adapter offers it, a device with it is requested too, since an adapter can list a feature that device
 * creation still refuses.
 *
 * Bundled by scripts/dawn/build-bench.mjs; tools/device/gpu_bench.sh runs it after unpacking the payload:
 *   node --liftoff-only adapter-probe.mjs <payload dir> [flag set ...]
 * Each extra argument is one more flag set, entries separated by ';' as in DAWN_FLAGS (e.g. `backend=null` to see
 * the output without a GPU).
 */
import { pathToFileURL } from 'node:url';
import { DAWN_FLAGS } from './dawn-env.js';

type Dawn = { create(flags: string[]): GPU; globals: Record<string, unknown> };
/** Dawn's experimental feature; not in @webgpu/types' GPUFeatureName. */
const SUBGROUP_MATRIX = 'chromium-experimental-subgroup-matrix' as GPUFeatureName;
/** One supported matrix shape; Dawn reports them on the adapter info once the feature is exposed. */
interface SubgroupMatrixConfig {
  componentType: string;
  resultComponentType: string;
  M: number;
  N: number;
  K: number;
}

const [payload, ...extraSets] = process.argv.slice(2);
if (!payload) throw new Error('usage: adapter-probe.mjs <payload dir> [flag set, entries separated by ";" ...]');

// Experimental features such as subgroup matrices stay hidden unless allow_unsafe_apis is on; the third set asks for
// cooperative matrices by a toggle name that this Dawn may not know, which the output (a warning or an error) tells.
const FLAG_SETS: string[][] = [
  DAWN_FLAGS,
  ['enable-dawn-features=vulkan_enable_f16_on_nvidia,allow_unsafe_apis'],
  ['enable-dawn-features=vulkan_enable_f16_on_nvidia,allow_unsafe_apis,use_vulkan_cooperative_matrix'],
  ...extraSets.map((set) => set.split(';').filter(Boolean)),
];
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

// Dawn's info, limits and matrix configs are WebIDL objects whose fields are getters: JSON.stringify of one gives
// `{}` (or only its own properties), so every field is named.
function matrixConfigs(adapter: GPUAdapter): SubgroupMatrixConfig[] | undefined {
  const configs =
    (adapter.info as unknown as { subgroupMatrixConfigs?: Iterable<SubgroupMatrixConfig> }).subgroupMatrixConfigs ??
    (adapter as unknown as { subgroupMatrixConfigs?: Iterable<SubgroupMatrixConfig> }).subgroupMatrixConfigs;
  return configs
    ? [...configs].map((c) => ({
        componentType: c.componentType,
        resultComponentType: c.resultComponentType,
        M: c.M,
        N: c.N,
        K: c.K,
      }))
    : undefined;
}

async function probe(dawn: Dawn, flags: string[]): Promise<Record<string, unknown>> {
  const adapter = await dawn.create(flags).requestAdapter({ featureLevel: 'core', powerPreference: 'high-performance' });
  if (!adapter) return { flags, adapter: null };
  const { info, limits } = adapter;
  const features = [...adapter.features].sort();
  const subgroupMatrix = adapter.features.has(SUBGROUP_MATRIX);
  const record: Record<string, unknown> = {
    flags,
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      subgroupMinSize: info.subgroupMinSize,
      subgroupMaxSize: info.subgroupMaxSize,
    },
    features,
    limits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      maxBufferSize: limits.maxBufferSize,
    },
    subgroupMatrix,
  };
  // Dawn lists experimental features only under allow_unsafe_apis; device creation can still refuse one it lists.
  if (subgroupMatrix) {
    try {
      const device = await adapter.requestDevice({ requiredFeatures: [SUBGROUP_MATRIX, 'shader-f16'] });
      record.device = { features: [...device.features].sort() };
      device.destroy();
    } catch (error) {
      record.device = { error: message(error) };
    }
  }
  const configs = matrixConfigs(adapter);
  if (configs?.length) record.subgroupMatrixConfigs = configs;
  return record;
}

// A payload whose dawn.node is still compressed (dawn.node.xz, as make-payload.sh leaves it) fails here: say so in
// the same JSON form as the answers rather than with a stack trace.
let dawn: Dawn;
try {
  dawn = (await import(pathToFileURL(`${payload}/webgpu/index.js`).href)) as Dawn;
} catch (error) {
  console.log(JSON.stringify({ payload, error: `dawn.node not loaded: ${message(error)}` }));
  process.exit(1);
}
for (const flags of FLAG_SETS) {
  // One set's failure (Dawn rejects a malformed flag at create()) must not hide the others' answers.
  try {
    console.log(JSON.stringify(await probe(dawn, flags)));
  } catch (error) {
    console.log(JSON.stringify({ flags, error: message(error) }));
  }
}
process.exit(0);
