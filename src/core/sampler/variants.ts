/**
 * Every sampler of the paper's code, written as data over one shared step primitive.
 *
 * Each IV step is an ordered list of sub-steps; a sub-step says which model predicts the noise, whether
 * the scheduler denoises (DDIM) or inverts (DDIM inversion), at which timestep the model is evaluated,
 * which timestep the scheduler step is given, and which guidance ramp (with which sign) weights CFG.
 * Timestep names: t = the listed timestep of step i, p = max(0, t − Δ), pp = max(0, t − 2Δ), with
 * Δ = num_train_timesteps // steps. DENOISE(s) moves from level s to s − Δ; INVERT(s) from s − Δ to s.
 */
export type TimestepRef = 't' | 'p' | 'pp';
export type ModelKind = 'image' | 'video';
export type SchedulerOp = 'denoise' | 'invert';

export interface SubStepTemplate {
  /** Short name shown in progress events, e.g. "I-denoise". */
  label: string;
  model: ModelKind;
  op: SchedulerOp;
  /** Timestep the UNet is evaluated at. */
  evalAt: TimestepRef;
  /** Timestep handed to the scheduler step. */
  stepAt: TimestepRef;
  /** +1: CFG u + w(c − u). −1: the official code's negative guidance on inversions, u − w(c − u). */
  sign: 1 | -1;
}

/**
 * The official AnimateDiff pairing (`forward_IVIV` and the ImageStone orderings): the IDM always works
 * on the (p ↔ pp) interval and the VDM on (t ↔ p), whatever the order. In particular the first IDM
 * denoise is evaluated at p with p → pp coefficients on a latent whose level is t; reproduced as written.
 */
const ANIMATEDIFF_PAIRING = {
  imageDenoise: { label: 'I-denoise', model: 'image', op: 'denoise', evalAt: 'p', stepAt: 'p', sign: 1 },
  videoDenoise: { label: 'V-denoise', model: 'video', op: 'denoise', evalAt: 't', stepAt: 't', sign: 1 },
  imageInvert: { label: 'I-invert', model: 'image', op: 'invert', evalAt: 'pp', stepAt: 'p', sign: -1 },
  videoInvert: { label: 'V-invert', model: 'video', op: 'invert', evalAt: 'p', stepAt: 't', sign: -1 },
} as const satisfies Record<string, SubStepTemplate>;

/**
 * The self-consistent chain of the official ModelScope and VideoCrafter2 code:
 * t →(I)→ p →(V)→ pp →(I⁻¹)→ p →(V⁻¹)→ t, each model evaluated at the level its input is at.
 */
const CHAIN_PAIRING = {
  imageDenoise: { label: 'I-denoise', model: 'image', op: 'denoise', evalAt: 't', stepAt: 't', sign: 1 },
  videoDenoise: { label: 'V-denoise', model: 'video', op: 'denoise', evalAt: 'p', stepAt: 'p', sign: 1 },
  imageInvert: { label: 'I-invert', model: 'image', op: 'invert', evalAt: 'pp', stepAt: 'p', sign: -1 },
  videoInvert: { label: 'V-invert', model: 'video', op: 'invert', evalAt: 'p', stepAt: 't', sign: -1 },
} as const satisfies Record<string, SubStepTemplate>;

type Pairing = typeof ANIMATEDIFF_PAIRING | typeof CHAIN_PAIRING;

/**
 * Expand an ordering name into sub-steps: the first occurrence of a letter is that model's denoise,
 * the second its inversion (VIIV = V-denoise, I-denoise, I-invert, V-invert).
 */
export function orderingSubSteps(ordering: string, pairing: Pairing = ANIMATEDIFF_PAIRING): SubStepTemplate[] {
  if (!/^[IV]{4}$/.test(ordering) || [...ordering].filter((c) => c === 'I').length !== 2) {
    throw new RangeError(`ordering "${ordering}" must use I and V twice each, e.g. IVIV`);
  }
  const seen = { I: 0, V: 0 };
  return [...ordering].map((letter) => {
    const key = letter as 'I' | 'V';
    const first = seen[key]++ === 0;
    if (key === 'I') return first ? pairing.imageDenoise : pairing.imageInvert;
    return first ? pairing.videoDenoise : pairing.videoInvert;
  });
}

export const SAMPLER_VARIANTS = [
  'ddim',
  'iv-iv',
  'iv-iv-chain',
  'v-zigzag',
  'VIIV',
  'VIVI',
  'VVII',
  'IVVI',
  'IVIV',
  'IIVV',
] as const;
export type SamplerVariant = (typeof SAMPLER_VARIANTS)[number];

export interface VariantDefinition {
  id: SamplerVariant;
  title: string;
  description: string;
  /** Sub-steps run before the plain DDIM step on steps inside the mixing interval. */
  subSteps: readonly SubStepTemplate[];
  /** Default mixing interval as a function of the step count (inclusive loop indices). */
  defaultInterval: (steps: number) => [number, number];
  /** Whether the zz knob applies (replace the IDM by the VDM on every zz-th step). */
  usesImageModel: boolean;
}

const allSteps = (steps: number): [number, number] => [0, steps - 1];

/**
 * The authors' ablation orderings (ImageStone). They use the AnimateDiff pairing and the same knobs; with
 * the defaults, IVIV is exactly the official iv-iv.
 */
function ablation(ordering: 'VIIV' | 'VIVI' | 'VVII' | 'IVVI' | 'IVIV' | 'IIVV'): VariantDefinition {
  return {
    id: ordering,
    title: `Ablation ${ordering}`,
    description: `Research ordering ${ordering} of the authors' ImageStone code: the four IV sub-steps in this order, then a plain step.`,
    subSteps: orderingSubSteps(ordering),
    defaultInterval: allSteps,
    usesImageModel: true,
  };
}

export const VARIANTS: Record<SamplerVariant, VariantDefinition> = {
  ddim: {
    id: 'ddim',
    title: 'DDIM',
    description: 'The baseline: one video-model DDIM step per timestep (stock AnimateDiff).',
    subSteps: [],
    defaultInterval: () => [0, -1],
    usesImageModel: false,
  },
  'iv-iv': {
    id: 'iv-iv',
    title: 'IV-mixed (IV-IV)',
    description:
      'The official AnimateDiff IV-mixed Sampler: IDM denoise, VDM denoise, IDM inversion, VDM inversion, then a plain DDIM step.',
    subSteps: orderingSubSteps('IVIV'),
    defaultInterval: allSteps,
    usesImageModel: true,
  },
  'iv-iv-chain': {
    id: 'iv-iv-chain',
    title: 'IV-mixed, self-consistent timesteps',
    description: 'IV-IV with the chain t→p→pp→p→t of the official ModelScope and VideoCrafter2 code.',
    subSteps: orderingSubSteps('IVIV', CHAIN_PAIRING),
    defaultInterval: allSteps,
    usesImageModel: true,
  },
  'v-zigzag': {
    id: 'v-zigzag',
    title: 'VDM zigzag',
    description:
      'Z-Sampling with the video model only (the official AnimateDiff __call__): denoise t→p, invert p→t, then a plain step; on the first 40 of 50 steps by default.',
    subSteps: [ANIMATEDIFF_PAIRING.videoDenoise, { ...ANIMATEDIFF_PAIRING.videoInvert, label: 'V-invert' }],
    defaultInterval: (steps) => [0, Math.round(steps * 0.8) - 1],
    usesImageModel: false,
  },
  VIIV: ablation('VIIV'),
  VIVI: ablation('VIVI'),
  VVII: ablation('VVII'),
  IVVI: ablation('IVVI'),
  IVIV: ablation('IVIV'),
  IIVV: ablation('IIVV'),
};

export function isSamplerVariant(value: string): value is SamplerVariant {
  return (SAMPLER_VARIANTS as readonly string[]).includes(value);
}
