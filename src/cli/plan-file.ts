import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidSettingsError } from '../core/errors.js';
import { isSamplerVariant } from '../core/sampler/variants.js';
import { parseSchedulerConfig } from '../core/scheduler/config.js';
import { replayablePlan } from './plan-replay.js';

/**
 * The replay plan of one sampler for a diffusers scheduler_config.json, as JSON on stdout or in `out`.
 * scripts/dawn/plan.ts is its command line (`npx tsx scripts/dawn/plan.ts …` here, bundled for the GPU machine).
 */
export function writePlanFile(schedulerPath: string, sampler: string, steps: number, out?: string): void {
  if (!isSamplerVariant(sampler)) throw new InvalidSettingsError('variant', `Unknown sampler "${sampler}".`);
  const config = parseSchedulerConfig(JSON.parse(readFileSync(schedulerPath, 'utf8')));
  const json = `${JSON.stringify(replayablePlan(config, { variant: sampler, steps }))}\n`;
  if (out) writeFileSync(out, json);
  else process.stdout.write(json);
}
