#!/usr/bin/env node
// Finds the system Chromium the browser tests drive (never a downloaded browser). On a Debian/Ubuntu
// machine where we are root, installs it with apt; otherwise says exactly what to install.
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

if (import.meta.url === `file://${process.argv[1]}`) {
  let found = findChromium();
  if (!found && tryAptInstall()) found = findChromium();
  if (!found) {
    console.error(
      '[ensure-chromium] No Chromium found. Install it with your package manager (Debian/Ubuntu: sudo apt-get install chromium),\n' +
        'or point CHROMIUM_PATH at a Chromium or Chrome binary.',
    );
    process.exit(1);
  }
  console.error(`[ensure-chromium] using ${found}`);
}
