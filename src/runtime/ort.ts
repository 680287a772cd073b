/**
 * The onnxruntime namespace is injected rather than imported: the worker uses
 * `onnxruntime-web/webgpu` (WebGPU EP + WASM), Node uses `onnxruntime-web`'s WASM build. Both share
 * these types.
 */
import type * as Ort from 'onnxruntime-web';

export type OrtModule = typeof Ort;
export type OrtSession = Ort.InferenceSession;
export type OrtTensor = Ort.Tensor;
export type OrtSessionOptions = Ort.InferenceSession.SessionOptions;
export type ValueMetadata = Ort.InferenceSession.ValueMetadata;
export type TensorValueMetadata = Ort.InferenceSession.TensorValueMetadata;
