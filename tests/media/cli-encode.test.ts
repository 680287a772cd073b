import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

test('encoding in a plain Node process (like the CLI) finishes and exits on its own', () => {
  // Inside vitest, timers keep the event loop busy and hide hangs that only an otherwise idle process shows.
  // Encoding takes ~2 s there; 30 s means it hung.
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'tests/media/encode-twice.script.ts')],
    { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
  );
  expect(result.error, 'the child process hung (killed after 30 s)').toBeUndefined();
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const sizes = result.stdout
    .trim()
    .split('\n')
    .map((line) => Number(line.split(' ')[0]));
  expect(sizes).toHaveLength(7);
  expect(sizes[0]).toBeGreaterThan(1000);
  expect(new Set(sizes).size).toBe(1);
});
