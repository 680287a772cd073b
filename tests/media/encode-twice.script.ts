/**
 * Run by cli-encode.test.ts in a child process under tsx, as the CLI runs: encodes several times back to back,
 * printing a line with the time after each like a CLI reporting progress, with nothing else on the event loop.
 * It must exit on its own. (This exact sequence hung with the async WebAssembly.instantiate.)
 */
import { encodeMp4InNode } from '../../src/media/mp4-node.js';
import { movingGradient } from './support.js';

let started = performance.now();
console.log((await encodeMp4InNode(movingGradient(64, 64, 16))).length, (performance.now() - started).toFixed(0));
const frames = movingGradient(64, 64, 16);
for (let i = 0; i < 6; i++) {
  started = performance.now();
  console.log((await encodeMp4InNode(frames)).length, (performance.now() - started).toFixed(0));
}
