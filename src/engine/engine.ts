import { SamplingCancelledError } from '../core/errors.js';
import { generateVideo, type Schedulers } from '../pipeline/text-to-video.js';
import { createModelSet, type ModelSet } from '../runtime/model-set.js';
import type { OrtModule } from '../runtime/ort.js';
import { type PackReader, readPack, urlPackReader } from '../runtime/pack-reader.js';
import type {
  Backend,
  Capabilities,
  EngineApi,
  EngineProgress,
  GenerateRequest,
  GenerateResult,
  LoadedPack,
  LoadOptions,
  ModelCallTiming,
  PackSource,
} from './types.js';

export class EngineBusyError extends Error {
  override name = 'EngineBusyError';
  constructor() {
    super('A generation is already running. Wait for it to finish or cancel it first.');
  }
}

export class NoPackLoadedError extends Error {
  override name = 'NoPackLoadedError';
  constructor() {
    super('No model pack is loaded. Load a pack before generating.');
  }
}

/**
 * The engine: owns the onnxruntime sessions of one pack and runs generations on them. It holds no
 * DOM state, so the same class runs in the Web Worker (exposed with comlink) and in Node.
 */
export class Engine implements EngineApi {
  private models: ModelSet | null = null;
  private schedulers: Schedulers | null = null;
  private backend: Backend = 'wasm';
  private running: AbortController | null = null;

  constructor(
    private readonly ort: OrtModule,
    private readonly readerFor: (source: PackSource) => PackReader = (source) => urlPackReader(source.baseUrl),
  ) {}

  async probe(): Promise<Capabilities> {
    const isolated = typeof crossOriginIsolated === 'boolean' ? crossOriginIsolated : true;
    const caps: Capabilities = {
      webgpu: { available: false },
      wasm: {
        threads: isolated ? Math.max(1, Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1)) : 1,
        crossOriginIsolated: isolated,
      },
    };
    const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
    if (!gpu) {
      caps.webgpu.reason = 'This browser does not expose WebGPU (navigator.gpu is missing).';
      return caps;
    }
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (!adapter) {
      caps.webgpu.reason = 'WebGPU is present but no GPU adapter is available (blocklisted or disabled GPU).';
      return caps;
    }
    caps.webgpu = {
      available: true,
      shaderF16: adapter.features.has('shader-f16'),
      adapter: [adapter.info?.vendor, adapter.info?.architecture].filter(Boolean).join(' ') || 'unknown',
      maxBufferSize: adapter.limits.maxBufferSize,
    };
    return caps;
  }

  async load(source: PackSource, options: LoadOptions): Promise<LoadedPack> {
    if (this.running) throw new EngineBusyError();
    const started = performance.now();
    await this.unload();
    const reader = this.readerFor(source);
    const { bytes, schedulers } = await readPack(reader);
    this.models = await createModelSet(this.ort, bytes, { executionProviders: [options.backend] });
    this.schedulers = schedulers;
    this.backend = options.backend;
    return {
      location: reader.location,
      backend: options.backend,
      hasImageModel: !!this.models.image,
      loadMs: performance.now() - started,
    };
  }

  async generate(request: GenerateRequest, onProgress?: (event: EngineProgress) => void): Promise<GenerateResult> {
    if (this.running) throw new EngineBusyError();
    const models = this.models;
    const schedulers = this.schedulers;
    if (!models || !schedulers) throw new NoPackLoadedError();
    const controller = new AbortController();
    this.running = controller;
    const calls: ModelCallTiming[] = [];
    const started = performance.now();
    try {
      const result = await generateVideo(models, schedulers, {
        ...request,
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'model-call-end')
            calls.push({ model: event.model, label: event.label, step: event.step, ms: event.durationMs });
          if (!onProgress) return;
          if (event.type === 'step-end') {
            const { latents: _latents, ...rest } = event;
            onProgress(rest);
          } else {
            onProgress(event);
          }
        },
      });
      if (controller.signal.aborted) throw new SamplingCancelledError();
      return {
        latents: result.latents.data,
        latentShape: [...result.latents.shape],
        frames: result.frames,
        frameShape: result.frameShape,
        modelCalls: result.plan.modelCalls,
        timings: { totalMs: performance.now() - started, calls },
        backend: this.backend,
      };
    } finally {
      this.running = null;
    }
  }

  cancel(): void {
    this.running?.abort();
  }

  async unload(): Promise<void> {
    const models = this.models;
    this.models = null;
    this.schedulers = null;
    await models?.release();
  }
}
