/** onnxruntime-web (WASM) sessions and random inputs for the runtime tests. */
import * as ort from 'onnxruntime-web';
import { TorchGenerator } from '../../src/core/rng/torch-generator.js';
import { numel, type Tensor } from '../../src/core/tensor/tensor.js';
import type { OrtModule, OrtSession } from '../../src/runtime/ort.js';

ort.env.wasm.numThreads = 1;

export const ortModule: OrtModule = ort;

const opened: OrtSession[] = [];

/** A session with the options createModelSet uses; released by releaseAll(). */
export async function openSession(bytes: Uint8Array): Promise<OrtSession> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  opened.push(s);
  return s;
}

export async function releaseAll(): Promise<void> {
  await Promise.all(opened.splice(0).map((s) => s.release()));
}

/** Standard normal values of the given shape (PyTorch's stream for `seed`). */
export function randn(shape: readonly number[], seed: number): Tensor {
  return { data: new TorchGenerator(seed).randn(numel(shape)), shape: [...shape] };
}

/** Wrap session.run to count its calls. */
export function countRuns(session: OrtSession): { readonly count: number } {
  const counter = { count: 0 };
  const run = session.run.bind(session);
  session.run = ((...args: Parameters<OrtSession['run']>) => {
    counter.count++;
    return run(...args);
  }) as OrtSession['run'];
  return counter;
}
