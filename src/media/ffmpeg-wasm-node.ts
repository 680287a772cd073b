import { readFile } from 'node:fs/promises';
import { EncoderUnavailableError, VideoEncodingError } from './errors.js';

/**
 * ffmpeg.wasm's core (@ffmpeg/core 0.12, single-thread ESM build) run directly in Node, in this thread (no
 * worker): the same libx264 build the browser fallback uses, so Node and browser exports match, and no native
 * ffmpeg is needed.
 */

/** The part of the Emscripten module of @ffmpeg/core 0.12 that we use. */
interface FfmpegCore {
  FS: {
    writeFile(path: string, data: Uint8Array): void;
    readFile(path: string): Uint8Array;
  };
  /** Runs ffmpeg with `-nostdin -y` prepended; returns its exit code. */
  exec(...args: string[]): number;
  setLogger(logger: (entry: { type: string; message: string }) => void): void;
}
type CreateFfmpegCore = (moduleOverrides: Record<string, unknown>) => Promise<FfmpegCore>;

/** ffmpeg log lines kept for VideoEncodingError. */
const LOG_TAIL_LINES = 20;

interface LoadedCore {
  createCore: CreateFfmpegCore;
  coreUrl: string;
  wasm: WebAssembly.Module;
}
let loaded: Promise<LoadedCore> | undefined;

/**
 * Import the ESM core and compile its 32 MB wasm once per process (about 0.15 s); every run then instantiates a
 * fresh core from the compiled module (about 15 ms), so no ffmpeg state or memory outlives a run. The files are
 * resolved through @ffmpeg/core's `exports` with the `import` condition, which gives the ESM build (dist/esm)
 * that the browser also uses; `createRequire(...).resolve` would give the UMD copy.
 *
 * Compiling and instantiating are synchronous on purpose. With the async `WebAssembly.instantiate`, a script run
 * by tsx (as the CLI is; Node 20.20) that encoded back to back and printed between calls hung on its second
 * call: the promise stayed pending on an idle event loop (tests/media/encode-twice.script.ts reproduced it every
 * time; tests/media/cli-encode.test.ts now guards it). Synchronous calls take the same time here (~0.14 s to
 * compile, milliseconds to instantiate) and cannot hang.
 */
function loadCore(): Promise<LoadedCore> {
  loaded ??= (async () => {
    const coreUrl = import.meta.resolve('@ffmpeg/core');
    const wasmUrl = import.meta.resolve('@ffmpeg/core/wasm');
    const [mod, bytes] = await Promise.all([
      import(/* @vite-ignore */ coreUrl) as Promise<{ default: CreateFfmpegCore }>,
      readFile(new URL(wasmUrl)),
    ]);
    return { createCore: mod.default, coreUrl, wasm: new WebAssembly.Module(bytes) };
  })().catch((error: unknown) => {
    loaded = undefined; // let a later call retry (e.g. after `npm ci` repaired node_modules)
    throw new EncoderUnavailableError(
      'ffmpeg.wasm',
      `Could not load @ffmpeg/core (ffmpeg-core.js / ffmpeg-core.wasm) in Node: ${String(error)}. Run \`npm ci\` to restore it.`,
      { cause: error },
    );
  });
  return loaded;
}

/**
 * The ESM core is built for web workers only (ENVIRONMENT_IS_WORKER is hard-wired) and reads
 * `self.location.href` once, synchronously, inside the factory call, to find its directory. Node has no `self`,
 * so a stub exists only for the duration of that synchronous call (no other code can run meanwhile, so nothing
 * else ever sees it) and only when no `self` exists. The directory itself is unused: we hand over the compiled
 * wasm.
 */
function instantiate({ createCore, coreUrl, wasm }: LoadedCore): Promise<FfmpegCore> {
  const scope = globalThis as { self?: unknown };
  const stubbed = scope.self === undefined;
  if (stubbed) scope.self = { location: { href: coreUrl } };
  try {
    return createCore({
      // Emscripten hook: instantiate our compiled module instead of fetching ffmpeg-core.wasm. Done synchronously
      // (see loadCore); a throw here is caught by Emscripten and rejects the promise we return.
      instantiateWasm(
        imports: WebAssembly.Imports,
        receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
      ) {
        const instance = new WebAssembly.Instance(wasm, imports);
        receive(instance, wasm);
        return instance.exports;
      },
    });
  } finally {
    if (stubbed) delete scope.self;
  }
}

export interface FfmpegWasmRun {
  /** ffmpeg's arguments (the core prepends `-nostdin -y`). */
  args: string[];
  /** Files to create in the core's in-memory file system first. */
  inputs: Record<string, Uint8Array>;
  /** The file to read back after a successful run. */
  output: string;
  /** Describes the job in error messages, e.g. "encoding 16 frames of 64×64". */
  what: string;
}

/**
 * Run ffmpeg once in a fresh core and return the output file. Throws VideoEncodingError with ffmpeg's last log
 * lines when it exits non-zero or traps, EncoderUnavailableError when the core cannot be loaded.
 */
export async function runFfmpegWasmInNode({ args, inputs, output, what }: FfmpegWasmRun): Promise<Uint8Array> {
  const core = await instantiate(await loadCore());
  const log: string[] = [];
  core.setLogger(({ message }) => {
    log.push(message);
    if (log.length > LOG_TAIL_LINES) log.shift();
  });
  let rc: number;
  try {
    for (const [name, bytes] of Object.entries(inputs)) core.FS.writeFile(name, bytes);
    rc = core.exec(...args);
  } catch (error) {
    // The wasm trapped (out of memory, ...). The core is unusable, but it is dropped with this call anyway.
    throw new VideoEncodingError('ffmpeg.wasm', `ffmpeg.wasm crashed while ${what}: ${String(error)}.`, log, { cause: error });
  }
  if (rc !== 0) {
    throw new VideoEncodingError(
      'ffmpeg.wasm',
      `ffmpeg exited with code ${rc} while ${what}. See the log below; report it with the frame size if it persists.`,
      log,
    );
  }
  return core.FS.readFile(output);
}
