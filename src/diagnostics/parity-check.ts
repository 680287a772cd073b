import type { EngineClient } from '../engine/client.js';
import type { Backend, GenerateRequest, GenerateResult } from '../engine/types.js';
import { type ParityCaseJson, parityCaseInitFile, parityCaseRequest } from '../pipeline/parity-case.js';

export interface ParityCheckInput {
  /** URL of a diffusers-ONNX models folder. */
  modelsUrl: string;
  /** URL of a parity case folder (case.json, init_latents.f32). */
  caseUrl: string;
  backend: Backend;
}

/**
 * Run a parity case (the format of tests/fixtures/parity-v1) in the engine worker, exactly as the CLI
 * runs it in Node: the self-check that this browser's engine computes what the reference computes.
 */
export async function runParityCase(engine: EngineClient, input: ParityCheckInput): Promise<GenerateResult> {
  const base = new URL(input.caseUrl.endsWith('/') ? input.caseUrl : `${input.caseUrl}/`, location.href);
  const caseJson = (await (await fetch(new URL('case.json', base))).json()) as ParityCaseJson;
  const initResponse = await fetch(new URL(parityCaseInitFile(caseJson), base));
  if (!initResponse.ok) throw new Error(`initial latents: HTTP ${initResponse.status}`);
  const initLatents = new Float32Array(await initResponse.arrayBuffer());
  await engine.load({ kind: 'url', baseUrl: new URL(input.modelsUrl, location.href).href }, { backend: input.backend });
  return engine.generate(parityEngineRequest(caseJson, initLatents));
}

/** A parity case as an engine request: token ids and initial noise given, everything else from the knobs. */
export function parityEngineRequest(caseJson: ParityCaseJson, initLatents: Float32Array): GenerateRequest {
  const request = parityCaseRequest(caseJson, initLatents);
  const [, , frames, h, w] = request.latentShape;
  return {
    prompt: '',
    tokenIds: request.tokenIds,
    seed: request.seed,
    settings: request.settings,
    frames,
    height: h * 8,
    width: w * 8,
    previewEvery: 0,
    // One frame per VAE call, as the official code decodes (enable_vae_slicing), whatever the engine's default for
    // small packs: batched decoding may move a frame value by 1 LSB.
    decodeChunk: 1,
    ...(request.initLatents ? { initLatents: request.initLatents } : {}),
  };
}
