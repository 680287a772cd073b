import { InvalidSettingsError, SamplingCancelledError } from '../core/errors.js';
import { type SamplerSettings, withDefaults } from '../core/sampler/settings.js';
import { rgbToRgba } from '../media/video-frames.js';
import { generateVideo } from '../pipeline/text-to-video.js';
import type { BlobStore } from '../runtime/download/blob-store.js';
import type { ModelSet } from '../runtime/model-set.js';
import type { OrtModule } from '../runtime/ort.js';
import { PackLayoutError, type PackReader, resolvePackLocation, urlPackReader } from '../runtime/pack-reader.js';
import { type GenerationShape, shapeKey } from '../runtime/shape-specialization.js';
import { canFallBackToWasm, chooseBackend } from './backend.js';
import { defaultDecodeChunk } from './decode-chunk.js';
import { EngineBusyError, NoPackLoadedError } from './errors.js';
import { filesPackReader } from './files-reader.js';
import { offlineCapableReader } from './offline-reader.js';
import {
  type CachedPack,
  listCachedPacks,
  PackInUseError,
  type RemovedPack,
  rememberedManifestKeys,
  removeCachedPack,
} from './pack-cache.js';
import { checkPackFitsRuntime, packTooLargeFor } from './pack-limits.js';
import { type LoadedPack, loadPack, readPackManifest } from './pack-loader.js';
import { latentPreview } from './preview.js';
import type {
  Capabilities,
  EngineApi,
  EngineProgress,
  GenerateRequest,
  GenerateResult,
  LoadEvent,
  LoadedPackSummary,
  LoadOptions,
  ModelCallTiming,
  PackSource,
} from './types.js';

export { EngineBusyError, NoPackLoadedError } from './errors.js';

const FPS = 8;

export interface EngineOptions {
  /** Persistent store for downloaded pack files (OPFS in the worker). Without it, URL packs are read directly. */
  store?: BlobStore;
  /** How a pack source becomes a reader (Node passes a folder reader). */
  readerFor?: (source: PackSource) => PackReader;
  /** Capabilities of this environment; defaults to probing navigator.gpu. */
  probe?: () => Promise<Capabilities>;
}

/**
 * The engine: owns the onnxruntime sessions of one pack and runs generations on them. It holds no DOM
 * state, so the same class runs in the Web Worker (exposed with comlink) and in Node.
 */
export class Engine implements EngineApi {
  private pack: LoadedPack | null = null;
  private backend: LoadedPackSummary['backend'] = 'wasm';
  private running: AbortController | null = null;
  private specializedKey: string | null = null;
  private loading: AbortController | null = null;

  constructor(
    private readonly ort: OrtModule,
    private readonly options: EngineOptions = {},
  ) {}

  async probe(): Promise<Capabilities> {
    if (this.options.probe) return this.options.probe();
    return probeEnvironment();
  }

  async load(source: PackSource, options: LoadOptions = {}, onProgress?: (event: LoadEvent) => void): Promise<LoadedPackSummary> {
    if (this.running || this.loading) throw new EngineBusyError();
    const started = performance.now();
    const controller = new AbortController();
    this.loading = controller;
    try {
      await this.unload();
      const reader = this.readerFor(source);
      const caps = await this.probe();
      // The manifest is read once: its precision decides the backend, then the loader uses it.
      onProgress?.({ phase: 'manifest' });
      const manifest = await readPackManifest(reader);
      const choice = chooseBackend(options.backend ?? 'auto', caps, manifest?.precision ?? 'fp32');
      if (manifest && packTooLargeFor(manifest, choice.backend)) {
        // It can never load here: forget the manifest the reader just remembered, so that the refused pack is not
        // listed among the stored ones, then refuse it (PackTooLargeError) before any download.
        if (this.options.store && source.kind === 'url' && isHttpUrl(reader.location)) {
          const keys = await rememberedManifestKeys(reader.location);
          await this.options.store.remove(keys.manifest);
          await this.options.store.remove(keys.source);
        }
        checkPackFitsRuntime(manifest, choice.backend);
      }
      const common = {
        ort: this.ort,
        signal: controller.signal,
        imageModelReader: (baseUrl: string) => this.imageModelReader(source, reader.location, baseUrl),
        ...(onProgress ? { onProgress } : {}),
        ...(options.webgpuLayout ? { webgpuLayout: options.webgpuLayout } : {}),
        ...(options.webgpuBufferCache ? { webgpuBufferCache: options.webgpuBufferCache } : {}),
        ...(options.specializeShapes !== undefined ? { specializeShapes: options.specializeShapes } : {}),
        ...(options.graphCapture !== undefined ? { graphCapture: options.graphCapture } : {}),
        ...(this.options.store && source.kind === 'url' && isHttpUrl(reader.location)
          ? { store: this.options.store, downloadBase: reader.location }
          : {}),
      };
      let backend = choice.backend;
      let reason = choice.reason;
      try {
        this.pack = await loadPack(reader, { ...common, backend }, manifest);
      } catch (error) {
        if (!canFallBackToWasm(error, backend, manifest)) throw error;
        // A graph the WebGPU EP cannot compile still runs on WASM: say so instead of failing.
        backend = 'wasm';
        reason = `Running on WASM because WebGPU could not load this pack: ${(error as Error).message}`;
        this.pack = await loadPack(reader, { ...common, backend }, manifest);
      }
      this.backend = backend;
      return {
        pack: this.pack.info,
        backend,
        backendReason: reason,
        loadMs: performance.now() - started,
        onnxruntimeVersion: this.ort.env.versions?.web ?? 'unknown',
        ...(backend === 'webgpu' ? { webgpuBufferCache: options.webgpuBufferCache ?? 'bucket' } : {}),
      };
    } finally {
      this.loading = null;
    }
  }

  async generate(request: GenerateRequest, onProgress?: (event: EngineProgress) => void): Promise<GenerateResult> {
    if (this.running || this.loading) throw new EngineBusyError();
    const pack = this.pack;
    if (!pack) throw new NoPackLoadedError();
    const { info } = pack;
    const warnings: string[] = [];
    const warn = (message: string) => {
      warnings.push(message);
      onProgress?.({ type: 'warning', message });
    };
    /** A captured session refused at creation or turned off by a call: the user is told why, once. */
    const warnCaptureOff = (off: { part: string; reason: string }) =>
      warn(`Graph capture is off for ${off.part}: ${off.reason}. Its plain session answers instead (same results, slower).`);

    const frames = request.frames ?? info.frames.default;
    const width = request.width ?? info.nativeResolution.width;
    const height = request.height ?? info.nativeResolution.height;
    validateShape(frames, width, height, info.frames.max);
    const decodeChunk = request.decodeChunk ?? defaultDecodeChunk(pack.modelBytes, frames, width, height);
    const tokenIds = request.tokenIds ?? this.tokenize(request, pack, warn);
    const settings: SamplerSettings = withDefaults({
      ...(info.defaults.steps !== undefined ? { steps: info.defaults.steps } : {}),
      ...(info.defaults.guidanceScale !== undefined ? { guidanceScale: info.defaults.guidanceScale } : {}),
      ...(info.defaults.sampler !== undefined ? { variant: info.defaults.sampler } : {}),
      ...request.settings,
    });
    if (settings.variant !== 'ddim' && settings.variant !== 'v-zigzag' && !info.hasImageModel) {
      throw new InvalidSettingsError(
        'variant',
        `The sampler "${settings.variant}" needs an image model, and this pack has none. Choose DDIM or VDM zigzag.`,
      );
    }

    const controller = new AbortController();
    this.running = controller;
    try {
      const refused = await this.specializeFor(pack, {
        frames,
        latentHeight: height / 8,
        latentWidth: width / 8,
        cfgRows: settings.guidanceScale > 1 && (request.cfgMode ?? 'batched') === 'batched' ? 2 : 1,
        decodeChunk,
      });
      for (const off of refused) warnCaptureOff(off);
    } catch (error) {
      this.running = null;
      throw error;
    }
    const calls: ModelCallTiming[] = [];
    const previewEvery = request.previewEvery ?? 1;
    const previewAt = (step: number, steps: number) =>
      !!info.preview && previewEvery > 0 && (step % previewEvery === 0 || step === steps - 1);
    const started = performance.now();
    try {
      const gpuDevice = await this.residentDevice(request);
      const result = await generateVideo(pack.models, pack.schedulers, {
        ...(gpuDevice ? { gpuDevice } : {}),
        // Latents on the GPU are read back only where a preview is sent.
        readLatentsAt: (step) => !!onProgress && previewAt(step, settings.steps),
        ...(onProgress
          ? { onDecoded: (frame: number, total: number) => onProgress({ type: 'decode', frame, frames: total }) }
          : {}),
        tokenIds,
        settings,
        latentShape: [1, info.latentChannels, frames, height / 8, width / 8],
        seed: request.seed,
        ...(request.initLatents ? { initLatents: request.initLatents } : {}),
        vaeScalingFactor: info.vaeScalingFactor,
        cfgMode: request.cfgMode ?? 'batched',
        decodeChunk,
        signal: controller.signal,
        yieldBetweenCalls: macrotask,
        onEvent: (event) => {
          if (event.type === 'model-call-end')
            calls.push({ model: event.model, label: event.label, step: event.step, ms: event.durationMs });
          if (!onProgress) return;
          if (event.type !== 'step-end') {
            onProgress(event);
            return;
          }
          onProgress({ type: 'step-end', step: event.step, steps: event.steps, timestep: event.timestep });
          if (info.preview && event.latents && previewAt(event.step, event.steps)) {
            onProgress({ type: 'preview', step: event.step, frames: latentPreview(event.latents, info.preview, FPS) });
          }
        },
      });
      if (controller.signal.aborted) throw new SamplingCancelledError();
      for (const off of result.timings.sampling.captureTurnedOff ?? []) warnCaptureOff(off);
      const callMs = calls.reduce((n, c) => n + c.ms, 0);
      const { count } = result.frameShape;
      return {
        frames: { width, height, count, fps: FPS, rgba: rgbToRgba(result.frames, count, width, height) },
        latents: result.latents.data,
        latentShape: [...result.latents.shape],
        modelCalls: result.plan.modelCalls,
        settings: result.plan.settings,
        seed: request.seed,
        backend: this.backend,
        warnings,
        timings: {
          totalMs: performance.now() - started,
          textEncoderMs: result.timings.textEncoderMs,
          decodeMs: result.timings.decodeMs,
          decodeChunk,
          outsideCallsMs: Math.max(0, result.timings.samplingMs - callMs),
          calls,
          modelMs: callMs,
          schedulerMs: result.timings.sampling.schedulerMs,
          transferMs: result.timings.sampling.transferMs,
          schedulerSteps: result.timings.sampling.schedulerSteps,
          latentsOnGpu: result.timings.sampling.latentsOnGpu,
          ...(result.timings.sampling.liveTensorsAfter !== undefined
            ? {
                gpuLiveTensorsAfter: result.timings.sampling.liveTensorsAfter,
                gpuPeakLiveTensors: result.timings.sampling.peakLiveTensors ?? 0,
              }
            : {}),
          ...(result.timings.sampling.capturedCalls !== undefined
            ? { capturedCalls: result.timings.sampling.capturedCalls }
            : {}),
        },
      };
    } finally {
      this.running = null;
    }
  }

  cancel(): void {
    this.running?.abort();
    this.loading?.abort();
  }

  async listCachedPacks(): Promise<CachedPack[]> {
    return this.options.store ? listCachedPacks(this.options.store) : [];
  }

  async removeCachedPack(key: string): Promise<RemovedPack> {
    const store = this.options.store;
    if (!store)
      throw new Error('This engine keeps no downloaded packs (it runs without a store), so there is nothing to remove.');
    // A load writes into the store: removing under it could delete the files it is about to read.
    if (this.loading) throw new PackInUseError('A model pack is loading. Wait for it to finish, then remove packs.');
    if (this.running && this.pack?.info.id === key) {
      throw new PackInUseError(
        `${this.pack.info.name} is generating a video right now. Wait for it to finish (or cancel it), then remove the pack.`,
      );
    }
    return removeCachedPack(store, key);
  }

  async unload(): Promise<void> {
    // Releasing sessions under a running generation would crash it with onnxruntime's "invalid session id".
    if (this.running) throw new EngineBusyError();
    const pack = this.pack;
    this.pack = null;
    this.specializedKey = null;
    await pack?.models.release();
  }

  /**
   * Re-create the sessions with the generation's shapes pinned when they changed: on WASM 2-4 % faster for the
   * bundled pack (30 % for the first one, shape-specialization.ts); on WebGPU (small packs, see pack-loader.ts)
   * its VDM calls 36-50 % and its IDM calls 8-10 % faster on an H100, with the same outputs. Costs one session
   * creation per new shape.
   * Returns the captured sessions onnxruntime refused in the new set (LoadOptions.graphCapture), to be told once.
   */
  private async specializeFor(pack: LoadedPack, shape: GenerationShape): Promise<ModelSet['captureRefused']> {
    const key = shapeKey(shape);
    if (!pack.respecialize || key === this.specializedKey) return [];
    const fresh = await pack.respecialize(shape);
    const old = pack.models;
    pack.models = fresh;
    this.specializedKey = key;
    await old.release();
    // Told once, in the generation that made the sessions (graph capture asked for and refused).
    return fresh.captureRefused;
  }

  /**
   * The WebGPU device onnxruntime runs the UNets on, when this generation keeps its latents there (WebGPU
   * backend, not turned off by the request); null otherwise.
   */
  private async residentDevice(request: GenerateRequest): Promise<GPUDevice | null> {
    if (this.backend !== 'webgpu' || request.keepLatentsOnGpu === false) return null;
    return ((await this.ort.env.webgpu.device) as GPUDevice | undefined) ?? null;
  }

  /**
   * The SD1.5 folder a pack borrows its IDM from (manifest `imageModel.baseUrl`), resolved against the pack's
   * own location. Its files are downloaded into the store with the pack's (src/engine/borrowed-image-model.ts).
   */
  private imageModelReader(source: PackSource, packLocation: string, baseUrl: string): PackReader {
    if (source.kind === 'files') {
      throw new PackLayoutError(
        `This pack takes its image model from "${baseUrl}" (imageModel.baseUrl in its manifest), which picked files cannot reach. Load the pack from its URL, or use a pack with its own unet/.`,
      );
    }
    const resolved = resolvePackLocation(packLocation, baseUrl);
    return this.options.readerFor ? this.options.readerFor({ kind: 'url', baseUrl: resolved }) : urlPackReader(resolved);
  }

  private readerFor(source: PackSource): PackReader {
    if (this.options.readerFor) return this.options.readerFor(source);
    if (source.kind === 'files') return filesPackReader(source.files, source.paths);
    const reader = urlPackReader(source.baseUrl);
    return this.options.store ? offlineCapableReader(reader, this.options.store) : reader;
  }

  private tokenize(request: GenerateRequest, pack: LoadedPack, warn: (m: string) => void): { uncond: number[]; cond: number[] } {
    const prompt = request.prompt.trim();
    if (prompt.length === 0) throw new InvalidSettingsError('prompt', 'Type a prompt describing the video you want.');
    if (!pack.tokenizer) {
      throw new InvalidSettingsError(
        'prompt',
        'This pack has no tokenizer (tokenizer/tokenizer.json), so it cannot read prompts.',
      );
    }
    const cond = pack.tokenizer.encodeForModel(prompt);
    const uncond = pack.tokenizer.encodeForModel(request.negativePrompt?.trim() ?? '');
    if (cond.warning) warn(cond.warning);
    if (uncond.warning) warn(`Negative prompt: ${uncond.warning}`);
    return { uncond: uncond.ids, cond: cond.ids };
  }
}

function isHttpUrl(location: string): boolean {
  return /^https?:\/\//.test(location);
}

/** Resolve on a fresh macrotask, so queued messages (cancel) are handled between model calls. */
function macrotask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

function validateShape(frames: number, width: number, height: number, maxFrames: number): void {
  if (!Number.isInteger(frames) || frames < 1 || frames > maxFrames) {
    throw new InvalidSettingsError(
      'frames',
      `Frames must be a whole number from 1 to ${maxFrames} for this pack (got ${frames}).`,
    );
  }
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v < 8 || v > 2048 || v % 8 !== 0) {
      throw new InvalidSettingsError(name, `The ${name} must be a multiple of 8 from 8 to 2048 pixels (got ${v}).`);
    }
  }
}

/** What this environment offers: WebGPU (adapter, shader-f16, software or not) and WASM threads. */
export async function probeEnvironment(): Promise<Capabilities> {
  const isolated = typeof crossOriginIsolated === 'boolean' ? crossOriginIsolated : true;
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const caps: Capabilities = {
    webgpu: { available: false },
    wasm: { threads: isolated ? Math.max(1, Math.min(4, cores)) : 1, crossOriginIsolated: isolated },
  };
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) {
    caps.webgpu.reason = 'this browser does not expose WebGPU (navigator.gpu is missing).';
    return caps;
  }
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) {
    caps.webgpu.reason = 'no GPU adapter is available (the GPU is blocklisted or disabled).';
    return caps;
  }
  const info = adapter.info;
  caps.webgpu = {
    available: true,
    shaderF16: adapter.features.has('shader-f16'),
    fallbackAdapter:
      (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter === true ||
      info.architecture === 'swiftshader',
    adapter: [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') || 'unknown adapter',
    maxBufferSize: adapter.limits.maxBufferSize,
  };
  return caps;
}
