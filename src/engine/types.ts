import type { SamplerEvent } from '../core/sampler/events.js';
import type { SamplerPlan } from '../core/sampler/plan.js';
import type { TextToVideoRequest } from '../pipeline/text-to-video.js';

/** Which onnxruntime execution provider runs the models. */
export type Backend = 'webgpu' | 'wasm';

export interface Capabilities {
  webgpu: { available: boolean; reason?: string; shaderF16?: boolean; adapter?: string; maxBufferSize?: number };
  wasm: { threads: number; crossOriginIsolated: boolean };
}

export interface PackSource {
  /** URL prefix of a diffusers-ONNX folder served by the app (or a local server). */
  baseUrl: string;
}

export interface LoadOptions {
  backend: Backend;
}

export interface LoadedPack {
  location: string;
  backend: Backend;
  hasImageModel: boolean;
  loadMs: number;
}

/** A generation request as it crosses the worker boundary (structured-clonable). */
export type GenerateRequest = Omit<TextToVideoRequest, 'signal' | 'onEvent'>;

/** Sampler progress as it crosses the boundary: everything but the live latents buffer. */
export type EngineProgress =
  | Exclude<SamplerEvent, { type: 'step-end' }>
  | { type: 'step-end'; step: number; steps: number; timestep: number };

export interface ModelCallTiming {
  model: 'image' | 'video';
  label: string;
  step: number;
  ms: number;
}

export interface GenerateResult {
  /** Final latents [B, C, F, h, w], before 1/scaling factor. */
  latents: Float32Array;
  latentShape: number[];
  /** RGB frames [F, H, W, 3]. */
  frames: Uint8Array;
  frameShape: { count: number; height: number; width: number };
  modelCalls: SamplerPlan['modelCalls'];
  timings: { totalMs: number; calls: ModelCallTiming[] };
  backend: Backend;
}

/** The engine's typed API: the same object in a Worker (through comlink) and in Node. */
export interface EngineApi {
  probe(): Promise<Capabilities>;
  load(source: PackSource, options: LoadOptions): Promise<LoadedPack>;
  generate(request: GenerateRequest, onProgress?: (event: EngineProgress) => void): Promise<GenerateResult>;
  /** Cancel the running generation; it rejects with SamplingCancelledError and the engine stays ready. */
  cancel(): void;
  unload(): Promise<void>;
}
