import { writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { isSamplerVariant, SAMPLER_VARIANTS } from '../core/sampler/variants.js';
import { Engine } from '../engine/engine.js';
import type { GenerateResult } from '../engine/types.js';
import { encodeMp4InNode } from '../media/mp4-node.js';
import { dirPackReader } from './models-dir.js';

export interface GenerateCommandOptions {
  models: string;
  prompt: string;
  negativePrompt?: string;
  sampler?: string;
  seed: number;
  steps?: number;
  frames?: number;
  out: string;
  threads: number;
}

/**
 * Headless generation with the same engine as the app: load a pack folder (verified against its
 * manifest), generate, encode an H.264 MP4 with ffmpeg.wasm in this process, write it.
 */
export async function generateCommand(o: GenerateCommandOptions, log: (line: string) => void): Promise<GenerateResult> {
  if (o.sampler !== undefined && !isSamplerVariant(o.sampler)) {
    throw new Error(`unknown sampler "${o.sampler}" (one of ${SAMPLER_VARIANTS.join(', ')})`);
  }
  ort.env.wasm.numThreads = o.threads;
  const engine = new Engine(ort, {
    readerFor: () => dirPackReader(o.models),
    probe: async () => ({
      webgpu: { available: false, reason: 'the CLI runs on the CPU' },
      wasm: { threads: o.threads, crossOriginIsolated: true },
    }),
  });
  const loaded = await engine.load({ kind: 'url', baseUrl: o.models }, { backend: 'wasm' });
  log(`${loaded.pack.name} (${loaded.pack.verified ? 'verified' : 'unverified'}), ${loaded.backendReason}`);
  try {
    let last = -1;
    const result = await engine.generate(
      {
        prompt: o.prompt,
        ...(o.negativePrompt ? { negativePrompt: o.negativePrompt } : {}),
        seed: o.seed,
        ...(o.frames !== undefined ? { frames: o.frames } : {}),
        settings: {
          ...(o.sampler ? { variant: o.sampler as 'ddim' } : {}),
          ...(o.steps !== undefined ? { steps: o.steps } : {}),
        },
        previewEvery: 0,
      },
      (event) => {
        if (event.type === 'warning') log(`warning: ${event.message}`);
        if (event.type === 'step-end' && event.step !== last) {
          last = event.step;
          if ((event.step + 1) % 5 === 0 || event.step + 1 === event.steps) log(`step ${event.step + 1}/${event.steps}`);
        }
      },
    );
    const mp4 = await encodeMp4InNode(result.frames);
    writeFileSync(o.out, mp4);
    const { image, video } = result.modelCalls;
    log(
      `${o.out}: ${result.frames.count} frames ${result.frames.width}×${result.frames.height} at ${result.frames.fps} fps, ` +
        `${result.settings.variant}, seed ${result.seed}, ${video} VDM + ${image} IDM calls, ${(result.timings.totalMs / 1000).toFixed(1)} s`,
    );
    return result;
  } finally {
    await engine.unload();
  }
}
