/**
 * Writes the replay plans the PyTorch benchmark runs (src/cli/plan-replay.ts), one file per sampler and step count:
 *   npx tsx scripts/dawn/plan.ts <scheduler_config.json> <out dir> <sampler-steps>...   e.g. ddim-25 iv-iv-50
 * and on the GPU machine, bundled by build-bench.mjs: node plan.mjs <same arguments>
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writePlanFile } from '../../src/cli/plan-file.js';

const [scheduler, outDir, ...names] = process.argv.slice(2);
if (!scheduler || !outDir || names.length === 0)
  throw new Error('usage: plan.mjs <scheduler_config.json> <out dir> <sampler-steps>...');
mkdirSync(outDir, { recursive: true });
for (const name of names) {
  const match = /^(.+)-(\d+)$/.exec(name);
  if (!match) throw new Error(`"${name}" is not <sampler>-<steps>`);
  writePlanFile(scheduler, match[1] as string, Number(match[2]), join(outDir, `${name}.json`));
}
console.log(`wrote ${names.length} plans to ${outDir}`);
