import { DEFAULT_SAMPLER_SETTINGS, type SamplerSettings } from '../core/sampler/settings.js';
import { isSamplerVariant, type SamplerVariant } from '../core/sampler/variants.js';
import type { TextToVideoRequest } from './text-to-video.js';

/**
 * A parity case (format "ivmixed-parity-v1"): the knobs of one official run plus token ids and the
 * initial noise. Only the inputs are read here; expected outputs and per-step tables are for debugging.
 */
export interface ParityCaseJson {
  name?: string;
  variant: string;
  seed?: number;
  batch_size?: number;
  num_frames: number;
  height: number;
  width: number;
  latent_shape?: number[];
  num_inference_steps: number;
  guidance_scale: number;
  eta?: number;
  vae_scaling_factor?: number;
  uncond_input_ids: number[];
  cond_input_ids: number[];
  interval?: [number, number];
  zz?: number;
  i_sigma_begin?: number;
  i_sigma_end?: number;
  v_sigma_begin?: number;
  v_sigma_end?: number;
  rho?: number;
  files?: { init_latents?: { file?: string } };
}

/**
 * Map the official entry points onto our variants. The fixtures name `ivmix_animatediff_forward_IVIV`
 * and `ddim_stock_animatediff`; ImageStone orderings come as `..._forward_VIIV` etc.
 */
export function variantFromCase(name: string): SamplerVariant {
  if (isSamplerVariant(name)) return name;
  const lower = name.toLowerCase();
  if (lower.includes('ddim') && !lower.includes('ivmix')) return 'ddim';
  if (lower.includes('zigzag') || lower.includes('call')) return 'v-zigzag';
  if (lower.includes('chain') || lower.includes('modelscope') || lower.includes('videocrafter')) return 'iv-iv-chain';
  const ordering = /forward_([IV]{4})\b/.exec(name)?.[1];
  if (ordering === 'IVIV' && lower.includes('animatediff')) return 'iv-iv';
  if (ordering && isSamplerVariant(ordering)) return ordering;
  throw new Error(`unknown case variant "${name}"`);
}

/** The request a case describes. `initLatents` is the case's init_latents.f32. */
export function parityCaseRequest(
  c: ParityCaseJson,
  initLatents: Float32Array,
  vaeScalingFallback = 0.18215,
): TextToVideoRequest {
  const settings: SamplerSettings = {
    variant: variantFromCase(c.variant),
    steps: c.num_inference_steps,
    guidanceScale: c.guidance_scale,
    eta: c.eta ?? 0,
    interval: c.interval ?? null,
    zz: c.zz ?? DEFAULT_SAMPLER_SETTINGS.zz,
    imageGuidance: { begin: c.i_sigma_begin ?? 4, end: c.i_sigma_end ?? 4 },
    videoGuidance: { begin: c.v_sigma_begin ?? 4, end: c.v_sigma_end ?? 4 },
    rho: c.rho ?? DEFAULT_SAMPLER_SETTINGS.rho,
  };
  const batch = c.batch_size ?? 1;
  const latentShape = (c.latent_shape ?? [
    batch,
    4,
    c.num_frames,
    c.height / 8,
    c.width / 8,
  ]) as TextToVideoRequest['latentShape'];
  return {
    tokenIds: { uncond: c.uncond_input_ids, cond: c.cond_input_ids },
    settings,
    latentShape,
    seed: c.seed ?? 0,
    initLatents,
    vaeScalingFactor: c.vae_scaling_factor ?? vaeScalingFallback,
  };
}

/** File name of the initial noise, relative to the case folder. */
export function parityCaseInitFile(c: ParityCaseJson): string {
  return c.files?.init_latents?.file ?? 'init_latents.f32';
}
