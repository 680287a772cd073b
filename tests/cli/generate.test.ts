import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'ivmix-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('`npm run -s cli -- generate` writes an MP4 that ffprobe decodes with the right frame count and size', async () => {
  const out = join(dir, 'video.mp4');
  const { stderr } = await run('npm', [
    'run',
    '-s',
    'cli',
    '--',
    'generate',
    '--prompt',
    'a blue circle moving up on a gray background',
    '--seed',
    '3',
    '--steps',
    '3',
    '--frames',
    '12',
    '--out',
    out,
  ]);
  expect(stderr).toMatch(/12 frames 64×64 at 8 fps, iv-iv, seed 3, 9 VDM \+ 6 IDM calls/);
  const probe = await run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-show_entries',
    'stream=codec_name,width,height,nb_read_frames,pix_fmt,duration',
    '-of',
    'json',
    out,
  ]);
  const stream = (JSON.parse(probe.stdout) as { streams: Record<string, string | number>[] }).streams[0];
  expect(stream).toMatchObject({ codec_name: 'h264', width: 64, height: 64, pix_fmt: 'yuv420p', nb_read_frames: '12' });
  expect(Number(stream?.duration)).toBeCloseTo(12 / 8, 2);
});

it('refuses an empty prompt with a message and writes nothing', async () => {
  const out = join(dir, 'empty.mp4');
  const failure = await run('npm', ['run', '-s', 'cli', '--', 'generate', '--prompt', ' ', '--out', out]).catch(
    (e: { stderr: string; code: number }) => e,
  );
  expect('code' in failure && failure.code).toBe(1);
  expect((failure as { stderr: string }).stderr).toMatch(/InvalidSettingsError: Type a prompt/);
});
