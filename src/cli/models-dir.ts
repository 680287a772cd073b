import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSchedulerConfig } from '../core/scheduler/config.js';
import type { Schedulers } from '../pipeline/text-to-video.js';
import type { ModelBytes } from '../runtime/model-set.js';

/** Read a diffusers-ONNX folder (text_encoder/, unet/, motion_unet/, vae_decoder/, scheduler/) from disk. */
export function readModelsDir(dir: string): { bytes: ModelBytes; schedulers: Schedulers } {
  const need = (rel: string): Uint8Array => {
    const path = join(dir, rel);
    if (!existsSync(path))
      throw new Error(`${path} is missing: a models folder needs text_encoder/, motion_unet/, vae_decoder/ and scheduler/.`);
    return new Uint8Array(readFileSync(path));
  };
  const optional = (rel: string): Uint8Array | undefined => (existsSync(join(dir, rel)) ? need(rel) : undefined);
  const json = (rel: string): unknown => JSON.parse(Buffer.from(need(rel)).toString('utf8'));
  const imageUnet = optional('unet/model.onnx');
  const bytes: ModelBytes = {
    textEncoder: need('text_encoder/model.onnx'),
    videoUnet: need('motion_unet/model.onnx'),
    vaeDecoder: need('vae_decoder/model.onnx'),
    ...(imageUnet ? { imageUnet } : {}),
  };
  const config = parseSchedulerConfig(json('scheduler/scheduler_config.json'));
  const inversePath = 'scheduler/inverse_scheduler_config.json';
  const inverseConfig = existsSync(join(dir, inversePath)) ? parseSchedulerConfig(json(inversePath)) : undefined;
  return { bytes, schedulers: { config, ...(inverseConfig ? { inverseConfig } : {}) } };
}
