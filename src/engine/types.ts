import type { SamplerEvent } from '../core/sampler/events.js';
import type { CfgMode } from '../core/sampler/models.js';
import type { SamplerPlan } from '../core/sampler/plan.js';
import type { SamplerSettings } from '../core/sampler/settings.js';
import type { SamplerVariant } from '../core/sampler/variants.js';
import type { CachedPack, RemovedPack } from './pack-cache.js';
import type { LoadProgress } from './pack-loader.js';

export type { CachedPack, RemovedPack } from './pack-cache.js';

/** Which onnxruntime execution provider runs the models. */
export type Backend = 'webgpu' | 'wasm';

export interface Capabilities {
  webgpu: {
    available: boolean;
    reason?: string;
    shaderF16?: boolean;
    /** A software adapter (SwiftShader): works, but far slower than WASM. */
    fallbackAdapter?: boolean;
    adapter?: string;
    maxBufferSize?: number;
  };
  wasm: { threads: number; crossOriginIsolated: boolean };
}

/** Where a pack comes from. */
export type PackSource =
  /** A pack (with manifest.json) or a diffusers-ONNX folder served under this URL prefix. */
  | { kind: 'url'; baseUrl: string }
  /** Files the user picked or dropped (a folder: each File's webkitRelativePath, or name, gives its path). */
  | {
      kind: 'files';
      files: File[];
      /** Each file's path inside the pack, when the files carry none (dropped folders); same order as `files`. */
      paths?: string[];
    };

export interface LoadOptions {
  /** 'auto' picks WebGPU on a hardware adapter that can run the pack, else WASM, and says why. */
  backend?: Backend | 'auto';
  /**
   * Tensor layout onnxruntime's WebGPU EP uses for layout-sensitive ops (Conv, norms): its `preferredLayout`
   * option. Unset leaves the EP's default, which in onnxruntime-web 1.30 is NHWC (the same dispatches as an
   * explicit 'NHWC': Conv2dMM with Transposes around it; 'NCHW' runs the convolutions without them). The GPU
   * benchmark compares both (docs/performance.md). Ignored on WASM.
   */
  webgpuLayout?: WebgpuLayout;
  /**
   * How onnxruntime's WebGPU EP keeps the storage buffers its kernels release (its `storageBufferCacheMode`).
   * Unset leaves the EP's default, 'bucket': sizes rounded up to fixed buckets, a few buffers kept per bucket, and
   * any buffer over 160 MiB (a full-size UNet's feed-forward activations at 512²) destroyed when released and
   * created again at the next call. 'simple' keeps every released buffer for reuse by exact size: no buffer is
   * created or destroyed once the shapes repeat, for more GPU memory held between calls. docs/performance.md
   * compares them. Ignored on WASM.
   */
  webgpuBufferCache?: WebgpuBufferCache;
  /**
   * Re-create the sessions with each generation's shapes pinned (onnxruntime `freeDimensionOverrides`) when the
   * shape changes. Unset: on WASM always, on WebGPU for packs of at most WEBGPU_SPECIALIZE_MAX_BYTES of model
   * files (the bytes are kept in memory for it). `false` turns it off (the GPU benchmark's before/after).
   */
  specializeShapes?: boolean;
  /**
   * WebGPU, shape-pinned packs: also make graph-captured UNet sessions, which replay a call's recorded GPU work
   * without onnxruntime's per-node CPU time. Each captured session's first call is checked against the plain one;
   * a refused session, a mismatch or an error turns it off with a warning. Unset: on for the packs whose shapes are
   * pinned by default on WebGPU (the bundled pack: captured calls 5.6-8.9 ms against 55-73 ms on an H100, outputs
   * identical), off for full-size packs, whose calls are GPU-bound (0-7 % gained for twice the sessions and GPU
   * memory). docs/performance.md, "GPU, fourth run"; pack-loader.ts graphCaptureByDefault. Ignored on WASM.
   */
  graphCapture?: boolean;
}

export type WebgpuLayout = 'NCHW' | 'NHWC';

/** onnxruntime-web's storage-buffer cache modes that reuse buffers ('disabled' and 'lazyRelease' never do). */
export type WebgpuBufferCache = 'bucket' | 'simple';

export interface PackInfo {
  id: string;
  name: string;
  description: string;
  /** Whether every file was checked against the manifest's sha256. */
  verified: boolean;
  precision: 'fp32' | 'fp16';
  nativeResolution: { width: number; height: number };
  frames: { default: number; max: number };
  latentChannels: number;
  vaeScalingFactor: number;
  hasImageModel: boolean;
  hasTokenizer: boolean;
  preview: { latentToRgb: number[][]; bias: number[] } | null;
  defaults: { steps?: number; guidanceScale?: number; sampler?: SamplerVariant };
  suggestedPrompts: string[];
  totalBytes: number;
  /** The manifest's files with their sha256 (empty for a folder without manifest): recipes name the exact pack. */
  files: { path: string; sha256: string }[];
}

export interface LoadedPackSummary {
  pack: PackInfo;
  backend: Backend;
  /** Why this backend runs (shown to the user). */
  backendReason: string;
  loadMs: number;
  /** The onnxruntime-web version running the models (recorded in recipes). */
  onnxruntimeVersion: string;
  /** On WebGPU: the storage-buffer cache the sessions were made with (LoadOptions.webgpuBufferCache; 'bucket' when unset). */
  webgpuBufferCache?: WebgpuBufferCache;
}

/** A generation request as it crosses the worker boundary (structured-clonable). */
export interface GenerateRequest {
  prompt: string;
  negativePrompt?: string;
  seed: number;
  frames?: number;
  width?: number;
  height?: number;
  settings?: Partial<SamplerSettings>;
  cfgMode?: CfgMode;
  /**
   * Frames per VAE call (memory bound; must divide the frame count). Default: 1 for full-size packs, like the official
   * enable_vae_slicing; for small packs as many as fit one call (decode-chunk.ts defaultDecodeChunk).
   */
  decodeChunk?: number;
  /** Send a latent preview every this many steps (0 = never). Default 1. */
  previewEvery?: number;
  /** Bypass the tokenizer (parity cases give token ids). */
  tokenIds?: { uncond: number[]; cond: number[] };
  /** Use these initial latents instead of the seed's draw. */
  initLatents?: Float32Array;
  /**
   * On WebGPU, keep the latents on the GPU between UNet calls and run the scheduler arithmetic there
   * (default true). False takes every UNet output back to the CPU, as on WASM (for comparisons).
   */
  keepLatentsOnGpu?: boolean;
}

/** Frames leave the engine in the encoders' layout (RGBA, frame after frame): see src/media/video-frames.ts. */
export type { VideoFrames } from '../media/video-frames.js';

import type { VideoFrames } from '../media/video-frames.js';

/** Progress across the boundary: sampler events without the live latents, plus previews and warnings. */
export type EngineProgress =
  | Exclude<SamplerEvent, { type: 'step-end' }>
  | { type: 'step-end'; step: number; steps: number; timestep: number }
  | { type: 'preview'; step: number; frames: VideoFrames }
  | { type: 'warning'; message: string }
  | { type: 'decode'; frame: number; frames: number };

export type LoadEvent = LoadProgress;

export interface ModelCallTiming {
  model: 'image' | 'video';
  label: string;
  step: number;
  ms: number;
}

export interface GenerateResult {
  frames: VideoFrames;
  /** Final latents [B, C, F, h, w], before 1/scaling factor. */
  latents: Float32Array;
  latentShape: number[];
  modelCalls: SamplerPlan['modelCalls'];
  settings: SamplerSettings;
  seed: number;
  backend: Backend;
  warnings: string[];
  timings: {
    totalMs: number;
    textEncoderMs: number;
    decodeMs: number;
    /** Frames per VAE decoder call (GenerateRequest.decodeChunk, or the engine's default for the pack). */
    decodeChunk: number;
    /** Sampling time not spent inside model calls: scheduler arithmetic, layout changes, CPU↔GPU copies. */
    outsideCallsMs: number;
    calls: ModelCallTiming[];
    /** Σ of the model calls (on the GPU path each waits for the device queue, so this is the UNets' real time). */
    modelMs: number;
    /** Scheduler arithmetic between calls (layout changes, CFG, DDIM / inversion steps), settled on the GPU path. */
    schedulerMs: number;
    /**
     * CPU↔GPU copies of latents and text rows outside the model calls (GPU path: uploads once, preview and
     * final reads). On the CPU path the copies into onnxruntime happen inside its run and are model time: 0.
     */
    transferMs: number;
    /** Scheduler passes run (one per sub-step): schedulerMs / schedulerSteps is the per-pass cost. */
    schedulerSteps: number;
    latentsOnGpu: boolean;
    /** GPU path: latent handles still alive when sampling ended (0: nothing leaked) and the most alive at once. */
    gpuLiveTensorsAfter?: number;
    gpuPeakLiveTensors?: number;
    /** GPU path: UNet calls answered by graph-captured sessions (LoadOptions.graphCapture). */
    capturedCalls?: number;
  };
}

/** The engine's typed API: the same object in a Worker (through comlink) and in Node. */
export interface EngineApi {
  probe(): Promise<Capabilities>;
  load(source: PackSource, options?: LoadOptions, onProgress?: (event: LoadEvent) => void): Promise<LoadedPackSummary>;
  generate(request: GenerateRequest, onProgress?: (event: EngineProgress) => void): Promise<GenerateResult>;
  /** Cancel the running generation or download; it rejects with a named error and the engine stays ready. */
  cancel(): void;
  unload(): Promise<void>;
  /** Packs kept in the engine's store (OPFS in the browser): sizes, files, complete or not. Empty without a store. */
  listCachedPacks(): Promise<CachedPack[]>;
  /** Delete a stored pack (a CachedPack's key); refused with PackInUseError while it generates or while a pack loads. */
  removeCachedPack(key: string): Promise<RemovedPack>;
}
