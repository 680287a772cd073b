#!/usr/bin/env node
// Finds the system Chromium the browser tests drive (never a downloaded browser) and ffprobe, which the
// tests use to check the MP4s. On a Debian/Ubuntu machine where we are root, installs what is missing with
// apt; otherwise says exactly what to install.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium'].filter(
  Boolean,
);

export function findChromium() {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

function tryAptInstall() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) return false;
  console.error(
    '[ensure-chromium] Chromium not found; installing Debian packages chromium and ffmpeg (ffprobe checks videos)...',
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium', 'ffmpeg'], { stdio: 'inherit', env });
  return true;
}

const hasFfprobe = () => ['/usr/bin/ffprobe', '/usr/local/bin/ffprobe'].some((p) => existsSync(p));

if (import.meta.url === `file://${process.argv[1]}`) {
  let found = findChromium();
  if ((!found || !hasFfprobe()) && tryAptInstall()) found = findChromium();
  if (!hasFfprobe()) {
    console.error('[ensure-chromium] No ffprobe found. Install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg).');
    process.exit(1);
  }
  if (!found) {
    console.error(
      '[ensure-chromium] No Chromium found. Install it with your package manager (Debian/Ubuntu: sudo apt-get install chromium),\n' +
        'or point CHROMIUM_PATH at a Chromium or Chrome binary.',
    );
    process.exit(1);
  }
  console.error(`[ensure-chromium] using ${found}`);
}
