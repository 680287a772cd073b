import { ModelSignatureError } from './errors.js';
import { OnnxTextEncoder } from './onnx-text-encoder.js';
import { OnnxUnet } from './onnx-unet.js';
import { OnnxVaeDecoder } from './onnx-vae-decoder.js';
import type { OrtModule, OrtSession, OrtSessionOptions } from './ort.js';
import type { ExternalDataOption } from './pack/external-data.js';
import { CapturedUnetRunner } from './webgpu/captured-unet.js';
import { webgpuProvider } from './webgpu/ort-device.js';

/** The ONNX parts of a pack, as bytes (diffusers-ONNX folder names in comments). */
export interface ModelBytes {
  textEncoder: Uint8Array; // text_encoder/model.onnx
  imageUnet?: Uint8Array; // unet/model.onnx (the IDM)
  videoUnet: Uint8Array; // motion_unet/model.onnx (the VDM)
  vaeDecoder: Uint8Array; // vae_decoder/model.onnx
  /** External-data files of the parts over 2 GB (model.onnx_data, weights.pb), as onnxruntime takes them. */
  externalData?: Partial<Record<ModelPart, ExternalDataOption>>;
}

export type ModelPart = 'textEncoder' | 'imageUnet' | 'videoUnet' | 'vaeDecoder';

export interface ModelSet {
  textEncoder: OnnxTextEncoder;
  image?: OnnxUnet;
  video: OnnxUnet;
  vae: OnnxVaeDecoder;
  /**
   * UNets whose captured session onnxruntime would not create although the options asked for one (graphCapture),
   * and its message: their plain sessions answer, and the engine tells the user why.
   */
  captureRefused: { part: string; reason: string }[];
  release(): Promise<void>;
}

export interface ModelSetOptions {
  executionProviders?: string[];
  /** Symbolic dims pinned per part (see shape-specialization.ts). */
  freeDimensions?: Partial<Record<ModelPart, Record<string, number>>>;
  /** Per-session progress, e.g. to tell the UI which part is being compiled. */
  onPart?: (part: ModelPart) => void;
  /** VDM text convention when the manifest states it; otherwise read from the graph. */
  videoTextPerFrame?: boolean;
  /**
   * Leave the UNets' outputs on the GPU (`preferredOutputLocation: 'gpu-buffer'`, WebGPU only), so that the
   * sampler can keep its latents there between calls (src/runtime/webgpu). CPU callers still work: their
   * reads download the output.
   */
  unetOutputsOnGpu?: boolean;
  /** onnxruntime's WebGPU `preferredLayout` for every session (unset: the EP's default, NHWC in 1.30). */
  webgpuLayout?: 'NCHW' | 'NHWC';
  /**
   * onnxruntime's WebGPU `storageBufferCacheMode` for every session (unset: the EP's default, 'bucket'). The EP
   * keeps one buffer manager per device, made with the first session's options, so all sessions get the same.
   */
  webgpuBufferCache?: 'bucket' | 'simple';
  /**
   * Also make a graph-captured session of each UNet (webgpu/captured-unet.ts). Only where the UNet's shapes are
   * pinned (`freeDimensions`) and the provider is WebGPU: capture refuses graphs with dynamic shape nodes.
   */
  graphCapture?: boolean;
}

export async function createModelSet(ort: OrtModule, bytes: ModelBytes, options: ModelSetOptions = {}): Promise<ModelSet> {
  const sessions: OrtSession[] = [];
  // 'webgpu' may need a device of our own (webgpu/ort-device.ts: fused attention on narrow-subgroup adapters).
  // It is always passed as an object: onnxruntime-web 1.30 reads the session's `enableGraphCapture` for its WebGPU
  // EP only from an object entry, and with the bare string 'webgpu' a captured session silently runs node by node
  // (found on the H100: the default engine's "captured" calls created as many bind groups as plain ones).
  const executionProviders = await Promise.all(
    (options.executionProviders ?? ['wasm']).map(async (ep) => {
      if (ep !== 'webgpu') return ep;
      const provider = await webgpuProvider(ort);
      return {
        ...(typeof provider === 'string' ? { name: provider } : provider),
        ...(options.webgpuLayout ? { preferredLayout: options.webgpuLayout } : {}),
        ...(options.webgpuBufferCache ? { storageBufferCacheMode: options.webgpuBufferCache } : {}),
      };
    }),
  );
  /** What every session of `key` is made with; `extra` adds the options of a plain or a captured session. */
  const sessionOptions = (key: ModelPart, extra: Omit<OrtSessionOptions, 'executionProviders'>): OrtSessionOptions => {
    const externalData = bytes.externalData?.[key];
    return {
      executionProviders,
      graphOptimizationLevel: 'all',
      ...extra,
      ...(externalData && externalData.length > 0 ? { externalData } : {}),
    };
  };
  const open = async (part: string, data: Uint8Array, key: ModelPart): Promise<OrtSession> => {
    options.onPart?.(key);
    const gpuOutputs = options.unetOutputsOnGpu === true && (key === 'imageUnet' || key === 'videoUnet');
    try {
      const s = await ort.InferenceSession.create(
        data,
        sessionOptions(key, {
          ...(gpuOutputs ? { preferredOutputLocation: 'gpu-buffer' as const } : {}),
          ...(options.freeDimensions?.[key] ? { freeDimensionOverrides: options.freeDimensions[key] } : {}),
        }),
      );
      sessions.push(s);
      return s;
    } catch (error) {
      throw new ModelSignatureError(part, '', `${part}: onnxruntime could not load the model (${(error as Error).message}).`);
    }
  };
  const runners: CapturedUnetRunner[] = [];
  const captureRefused: ModelSet['captureRefused'] = [];
  const onWebgpu = (options.executionProviders ?? ['wasm'])[0] === 'webgpu';
  /** The captured twin of a UNet's session, where options ask for it and its shapes are pinned. */
  const capture = async (unet: OnnxUnet, data: Uint8Array, key: 'imageUnet' | 'videoUnet'): Promise<void> => {
    const freeDimensionOverrides = options.freeDimensions?.[key];
    if (!options.graphCapture || !onWebgpu || !freeDimensionOverrides) return;
    let session: OrtSession;
    try {
      session = await ort.InferenceSession.create(
        data,
        sessionOptions(key, { enableGraphCapture: true, freeDimensionOverrides }),
      );
    } catch (error) {
      // onnxruntime refuses capture for graphs it cannot keep wholly on the GPU: the plain session serves.
      captureRefused.push({
        part: unet.part,
        reason: `onnxruntime would not create its captured session (${error instanceof Error ? error.message : String(error)})`,
      });
      return;
    }
    sessions.push(session);
    unet.captured = new CapturedUnetRunner(ort, session);
    runners.push(unet.captured);
  };
  try {
    const textEncoder = new OnnxTextEncoder(ort, await open('text_encoder', bytes.textEncoder, 'textEncoder'));
    const image = bytes.imageUnet
      ? new OnnxUnet(ort, await open('unet', bytes.imageUnet, 'imageUnet'), 'image', 'unet')
      : undefined;
    const video = new OnnxUnet(
      ort,
      await open('motion_unet', bytes.videoUnet, 'videoUnet'),
      'video',
      'motion_unet',
      options.videoTextPerFrame,
    );
    const vae = new OnnxVaeDecoder(ort, await open('vae_decoder', bytes.vaeDecoder, 'vaeDecoder'));
    if (image && bytes.imageUnet) await capture(image, bytes.imageUnet, 'imageUnet');
    await capture(video, bytes.videoUnet, 'videoUnet');
    return {
      textEncoder,
      ...(image ? { image } : {}),
      video,
      vae,
      captureRefused,
      release: async () => {
        for (const runner of runners) runner.dispose();
        await Promise.all(sessions.map((s) => s.release()));
      },
    };
  } catch (error) {
    await Promise.all(sessions.map((s) => s.release().catch(() => {})));
    throw error;
  }
}
