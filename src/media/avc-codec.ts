/**
 * H.264 codec strings ('avc1.PPCCLL') to ask WebCodecs for. The level must cover the frame size and the
 * macroblock rate, or encoders may refuse the config (or write a stream some decoders reject), so it is derived
 * from the video rather than hard-coded.
 */

/** H.264 levels (Table A-1): max frame size and max macroblock rate. */
const LEVELS = [
  { idc: 0x1f, maxFrameMbs: 3600, maxMbPerSec: 108000 }, // 3.1: 1280×720@30
  { idc: 0x28, maxFrameMbs: 8192, maxMbPerSec: 245760 }, // 4.0: 2048×1024@30
  { idc: 0x2a, maxFrameMbs: 8704, maxMbPerSec: 522240 }, // 4.2
  { idc: 0x33, maxFrameMbs: 36864, maxMbPerSec: 983040 }, // 5.1: 4096×2304@26
  { idc: 0x34, maxFrameMbs: 36864, maxMbPerSec: 2073600 }, // 5.2
  { idc: 0x3c, maxFrameMbs: 139264, maxMbPerSec: 4177920 }, // 6.0: 8192×4320@30
] as const;

/**
 * Profiles in order of preference: High compresses best and is what every H.264 decoder since ~2010 plays;
 * Main and (plain) Baseline for encoders that offer nothing else. `avc1.42001f` (Baseline 3.1) is the string
 * Chromium was verified with.
 */
const PROFILES = [
  { name: 'High', hex: '6400' },
  { name: 'Main', hex: '4d00' },
  { name: 'Baseline', hex: '4200' },
] as const;

/** The smallest H.264 level_idc for this size and frame rate, or undefined if none fits. */
export function avcLevelFor(width: number, height: number, fps: number): number | undefined {
  const frameMbs = Math.ceil(width / 16) * Math.ceil(height / 16);
  return LEVELS.find((l) => frameMbs <= l.maxFrameMbs && frameMbs * fps <= l.maxMbPerSec)?.idc;
}

/** Codec strings to try, best first (empty when the size is beyond H.264's levels). */
export function avcCodecCandidates(width: number, height: number, fps: number): string[] {
  const level = avcLevelFor(width, height, fps);
  if (level === undefined) return [];
  const ll = level.toString(16).padStart(2, '0');
  return PROFILES.map((p) => `avc1.${p.hex}${ll}`);
}
