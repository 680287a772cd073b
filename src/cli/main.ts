import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import { generateVideo } from '../pipeline/text-to-video.js';
import { createModelSet } from '../runtime/model-set.js';
import { readPack } from '../runtime/pack-reader.js';
import type { SessionShapes } from './bench.js';
import { dirPackReader } from './models-dir.js';
import { readParityCase } from './parity-case.js';

const USAGE = `Usage:
  npm run -s cli -- sample --models <dir> --case <case.json> --out <latents.f32> [--frames-out <frames.u8>] [--cfg batched|split]

  npm run -s cli -- generate --prompt "..." --out video.mp4 [--models public/models/tinyworld-v2]
                    [--sampler iv-iv|ddim|...] [--seed N] [--steps N] [--frames N] [--negative-prompt "..."] [--threads N]
  npm run -s cli -- bench [--pack public/models/tinyworld-v2] [--frames 16] [--steps 25] [--threads 1,2] [--repeats 1] [--shapes pinned,dynamic] [--decode-chunk 1,16]

  generate Generate a video headless with the app's engine and write a playable H.264 MP4.
  sample   Run one parity case end to end (text encoder → sampler → VAE) with onnxruntime-web's WASM
           backend and write the final latents (float32 LE, [B,C,F,h,w], before VAE scaling) and the
           decoded frames (uint8, [F,H,W,3]).
  npm run -s bench:quality -- [--seeds 32] [--first-seed 0] [--steps 25] [--frames 16] [--out quality-results.jsonl]

  quality  DDIM vs IV-mixed on the tiny world at equal seeds, every video scored against its prompt.
  bench    Time whole generations (DDIM and IV-mixed) of a pack on this CPU and print a table.`;

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

async function benchCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      pack: { type: 'string', default: 'public/models/tinyworld-v2' },
      frames: { type: 'string', default: '16' },
      steps: { type: 'string', default: '25' },
      threads: { type: 'string', default: '1,2' },
      repeats: { type: 'string', default: '1' },
      prompt: { type: 'string', default: 'a red circle moving left on a black background' },
      shapes: { type: 'string', default: 'pinned' },
      'decode-chunk': { type: 'string' },
    },
  });
  const shapes = values.shapes.split(',').map((x): SessionShapes => {
    const s = x.trim();
    if (s !== 'pinned' && s !== 'dynamic')
      throw new UsageError(`--shapes takes pinned, dynamic or both ("pinned,dynamic"), not "${s}"`);
    return s;
  });
  const list = (s: string) => s.split(',').map((x) => Number(x.trim()));
  const options = {
    packDir: values.pack,
    frames: Number(values.frames),
    steps: list(values.steps),
    threads: list(values.threads),
    repeats: Number(values.repeats),
    prompt: values.prompt,
    shapes,
    ...(values['decode-chunk'] ? { decodeChunks: list(values['decode-chunk']) } : {}),
  };
  const { runBench, benchTable } = await import('./bench.js');
  process.stdout.write(
    `# bench: ${options.packDir}, ${options.frames} frames, ${new Date().toISOString()}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'})\n`,
  );
  const rows = await runBench(options, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`\n${benchTable(rows, options.frames)}\n`);
}

async function qualityCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      pack: { type: 'string', default: 'public/models/tinyworld-v2' },
      seeds: { type: 'string', default: '32' },
      'first-seed': { type: 'string', default: '0' },
      steps: { type: 'string', default: '25' },
      frames: { type: 'string', default: '16' },
      prompts: { type: 'string' },
      out: { type: 'string', default: 'quality-results.jsonl' },
    },
  });
  const { runQualityBench, qualityTable, QUALITY_PROMPTS } = await import('./quality-bench.js');
  const samplers = ['ddim', 'iv-iv'];
  const options = {
    packDir: values.pack,
    seeds: Number(values.seeds),
    firstSeed: Number(values['first-seed']),
    steps: Number(values.steps),
    frames: Number(values.frames),
    prompts: values.prompts ? values.prompts.split('|') : QUALITY_PROMPTS,
    samplers,
    out: values.out,
  };
  const rows = await runQualityBench(options, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(
    `# quality: ${options.packDir}, ${options.seeds} seeds × ${options.prompts.length} prompts, ${options.steps} steps, ${options.frames} frames, default knobs (IV-mixed: interval all steps, zz 1000, guidance ramps 4→4, rho 7, CFG 7.5)\n\n${qualityTable(rows, samplers)}\n`,
  );
}

async function generateCmd(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      models: { type: 'string', default: 'public/models/tinyworld-v2' },
      prompt: { type: 'string' },
      'negative-prompt': { type: 'string' },
      sampler: { type: 'string' },
      seed: { type: 'string' },
      steps: { type: 'string' },
      frames: { type: 'string' },
      threads: { type: 'string', default: '1' },
      out: { type: 'string' },
    },
  });
  if (!values.prompt || !values.out) throw new UsageError('generate needs --prompt and --out');
  const { generateCommand } = await import('./generate.js');
  await generateCommand(
    {
      models: values.models,
      prompt: values.prompt,
      ...(values['negative-prompt'] ? { negativePrompt: values['negative-prompt'] } : {}),
      ...(values.sampler ? { sampler: values.sampler } : {}),
      seed: values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 32),
      ...(values.steps !== undefined ? { steps: Number(values.steps) } : {}),
      ...(values.frames !== undefined ? { frames: Number(values.frames) } : {}),
      out: values.out,
      threads: Number(values.threads),
    },
    (line) => process.stderr.write(`${line}\n`),
  );
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'sample') return sampleCommand(rest);
  if (command === 'bench') return benchCommand(rest);
  if (command === 'quality') return qualityCommand(rest);
  if (command === 'generate') return generateCmd(rest);
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
