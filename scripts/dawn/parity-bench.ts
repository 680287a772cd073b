/**
 * The parity fixture through the engine on a real GPU (Node + Dawn, onnxruntime-web's WebGPU EP): the cases the
 * official PyTorch code produced, run by the engine as the UI's self-check runs them (parityEngineRequest), against
 * their reference latents and frames, for several model folders: the fixture as given (fp32) and the same models
 * after the exporter's passes (tools/device/parity_fp16.sh: attention fused, then fp16 with normalisation in fp32,
 * and the fused fp32 graphs before that conversion). It answers issue 5's "fp16 where numerically safe, checked
 * against fp32 on the parity fixture".
 *
 * Bundled by scripts/dawn/build-bench.mjs; on the GPU machine:
 *   node --liftoff-only parity-bench.mjs <payload dir> <cases dir> <label>=<models dir>[,<label>=<models dir>...]
 * Prints one JSON record per (models, case). The fixture's tolerance (final latents within 1e-4 of max |ref|, frames
 * at most 1 LSB off on at most 0.1 % of values) is reported, not enforced: fp16 is expected to miss it; the record
 * says by how much.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dirPackReader } from '../../src/cli/models-dir.js';
import { readFloat32File } from '../../src/cli/parity-case.js';
import { parityEngineRequest } from '../../src/diagnostics/parity-check.js';
import { frameDifference, maxRelativeError, rgbaToRgb } from '../../src/diagnostics/parity-metrics.js';
import { Engine } from '../../src/engine/engine.js';
import { type ParityCaseJson, parityCaseInitFile } from '../../src/pipeline/parity-case.js';
import { DAWN_FLAGS, setUpDawn } from './dawn-env.js';

const [payload, casesDir, modelList] = process.argv.slice(2);
if (!payload || !casesDir || !modelList) {
  throw new Error('usage: parity-bench.mjs <payload dir> <cases dir> <label>=<models dir>[,<label>=<models dir>...]');
}
const ort = await setUpDawn(payload, process.env.DAWN_FLAGS ? process.env.DAWN_FLAGS.split(';').filter(Boolean) : DAWN_FLAGS);
const print = (what: string, data: Record<string, unknown>) => console.log(JSON.stringify({ what, ...data }));

/** RMS of the difference over RMS of the reference. */
function rmsRelative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += ((actual[i] as number) - (expected[i] as number)) ** 2;
    ref += (expected[i] as number) ** 2;
  }
  return Math.sqrt(diff / (ref || 1));
}
/** Share of frame values more than `lsb` off (the records use 8 LSB: where a difference could start to be seen). */
function shareOver(actual: Uint8Array, expected: Uint8Array, lsb: number): number {
  let n = 0;
  for (let i = 0; i < expected.length; i++) if (Math.abs((actual[i] as number) - (expected[i] as number)) > lsb) n++;
  return n / expected.length;
}

const cases = readdirSync(casesDir)
  .filter((name) => statSync(join(casesDir, name)).isDirectory())
  .sort();
for (const entry of modelList.split(',')) {
  const [label, modelsDir] = entry.includes('=') ? (entry.split('=', 2) as [string, string]) : [entry, entry];
  const engine = new Engine(ort, { readerFor: () => dirPackReader(modelsDir) });
  const loaded = await engine.load({ kind: 'url', baseUrl: modelsDir }, { backend: 'webgpu' });
  print('load', { models: label, backend: loaded.backend, reason: loaded.backendReason });
  if (loaded.backend !== 'webgpu') throw new Error(`no WebGPU here: ${loaded.backendReason}`);
  for (const name of cases) {
    const dir = join(casesDir, name);
    const caseJson = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as ParityCaseJson;
    const result = await engine.generate(parityEngineRequest(caseJson, readFloat32File(join(dir, parityCaseInitFile(caseJson)))));
    const latentsRef = readFloat32File(join(dir, 'final_latents.f32'));
    const framesRef = new Uint8Array(readFileSync(join(dir, 'frames.u8')));
    const frames = rgbaToRgb(result.frames.rgba);
    const latentsMaxRel = maxRelativeError(result.latents, latentsRef);
    const diff = frameDifference(frames, framesRef);
    print('parity', {
      models: label,
      case: name,
      variant: result.settings.variant,
      latentsMaxRel,
      latentsRmsRel: rmsRelative(result.latents, latentsRef),
      framesMaxLsb: diff.maxLsb,
      framesFractionOff: diff.fractionOff,
      framesOver8Lsb: shareOver(frames, framesRef, 8),
      withinFixtureTolerance: latentsMaxRel <= 1e-4 && diff.maxLsb <= 1 && diff.fractionOff <= 0.001,
      totalMs: result.timings.totalMs,
      capturedCalls: result.timings.capturedCalls,
      warnings: result.warnings,
    });
  }
  await engine.unload();
}
process.exit(0);
