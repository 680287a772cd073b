import { expect, test } from 'vitest';
import { VideoEncodingError } from '../../src/media/errors.js';
import { runFfmpegWasmInNode } from '../../src/media/ffmpeg-wasm-node.js';

test('a failing ffmpeg run throws VideoEncodingError with the log tail', async () => {
  const error = await runFfmpegWasmInNode({
    args: [
      '-hide_banner',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgba',
      '-s',
      '16x16',
      '-i',
      'in.rgba',
      '-c:v',
      'no-such-codec',
      'out.mp4',
    ],
    inputs: { 'in.rgba': new Uint8Array(16 * 16 * 4) },
    output: 'out.mp4',
    what: 'testing a bad codec',
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(VideoEncodingError);
  const e = error as VideoEncodingError;
  expect(e.encoder).toBe('ffmpeg.wasm');
  expect(e.message).toMatch(/exited with code [1-9]\d* while testing a bad codec/);
  expect(e.logTail.join('\n')).toMatch(/no-such-codec/i);
  expect(e.message).toContain(e.logTail.at(-1));
});

test('runs are independent, and the `self` stub does not outlive them', async () => {
  const run = (name: string) =>
    runFfmpegWasmInNode({
      args: ['-f', 'rawvideo', '-pix_fmt', 'gray', '-s', '16x16', '-i', name, '-f', 'rawvideo', `${name}.out`],
      inputs: { [name]: new Uint8Array(256).fill(name.length) },
      output: `${name}.out`,
      what: 'copying',
    });
  const [a, b] = await Promise.all([run('a'), run('bb')]);
  expect(Array.from(new Set(a))).toEqual([1]);
  expect(Array.from(new Set(b))).toEqual([2]);
  // The second core's file system never saw the first one's input.
  await expect(
    runFfmpegWasmInNode({ args: ['-i', 'a', 'x.mp4'], inputs: {}, output: 'x.mp4', what: 'reading a missing file' }),
  ).rejects.toThrow(VideoEncodingError);
  expect('self' in globalThis).toBe(false);
});
