import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import { generateVideo } from '../pipeline/text-to-video.js';
import { createModelSet } from '../runtime/model-set.js';
import { readPack } from '../runtime/pack-reader.js';
import { dirPackReader } from './models-dir.js';
import { readParityCase } from './parity-case.js';

const USAGE = `Usage:
  npm run -s cli -- sample --models <dir> --case <case.json> --out <latents.f32> [--frames-out <frames.u8>] [--cfg batched|split]

  sample   Run one parity case end to end (text encoder → sampler → VAE) with onnxruntime-web's WASM
           backend and write the final latents (float32 LE, [B,C,F,h,w], before VAE scaling) and the
           decoded frames (uint8, [F,H,W,3]).`;

async function sampleCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      models: { type: 'string' },
      case: { type: 'string' },
      out: { type: 'string' },
      'frames-out': { type: 'string' },
      cfg: { type: 'string', default: 'batched' },
      quiet: { type: 'boolean', default: false },
    },
  });
  if (!values.models || !values.case || !values.out) throw new UsageError('sample needs --models, --case and --out');
  if (values.cfg !== 'batched' && values.cfg !== 'split') throw new UsageError('--cfg must be batched or split');
  ort.env.wasm.numThreads = 1;
  const { bytes, schedulers } = await readPack(dirPackReader(values.models));
  const { name, request } = readParityCase(values.case);
  const models = await createModelSet(ort, bytes);
  try {
    const started = performance.now();
    const result = await generateVideo(models, schedulers, { ...request, cfgMode: values.cfg });
    const latents = result.latents.data;
    writeFileSync(values.out, new Uint8Array(latents.buffer, latents.byteOffset, latents.byteLength));
    if (values['frames-out']) writeFileSync(values['frames-out'], result.frames);
    if (!values.quiet) {
      const { image, video } = result.plan.modelCalls;
      process.stderr.write(
        `${name}: ${result.plan.settings.variant}, ${result.plan.settings.steps} steps, ${video} VDM + ${image} IDM calls, ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
    }
  } finally {
    await models.release();
  }
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'sample') return sampleCommand(rest);
  if (command === undefined || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  throw new UsageError(`unknown command "${command}"`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
  process.exit(1);
});
