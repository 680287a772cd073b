import type { Tensor } from '../tensor/tensor.js';
import type { ModelKind, SchedulerOp } from './variants.js';

interface CallInfo {
  /** Outer step index (0-based) and count. */
  step: number;
  steps: number;
  /** Sub-step index within the step and count (the last one is the plain DDIM step). */
  subStep: number;
  subSteps: number;
  label: string;
  model: ModelKind;
  op: SchedulerOp;
  timestep: number;
  guidance: number;
  /** Model calls so far (1-based) and in total, counting split CFG halves separately. */
  call: number;
  totalCalls: number;
}

export type SamplerEvent =
  | ({ type: 'model-call-start' } & CallInfo)
  | ({ type: 'model-call-end'; durationMs: number } & CallInfo)
  /**
   * After every outer step; `latents` is the live buffer, copy it if you keep it. Always there when the
   * latents are on the CPU; in a resident space (GPU) only at the steps `SampleOptions.readLatentsAt` asks for.
   */
  | { type: 'step-end'; step: number; steps: number; timestep: number; latents?: Tensor };

export type SamplerEventListener = (event: SamplerEvent) => void;
