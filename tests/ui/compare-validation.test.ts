import { describe, expect, it } from 'vitest';
import type { PackInfo } from '../../src/engine/types.js';
import { checkComparison, mixedVariantFor, packDefaultValues } from '../../src/ui/compare/compare-validation.js';
import { comparisonRequests, isMixedVariant } from '../../src/ui/compare/comparison.js';

const PACK: PackInfo = {
  id: 'tiny',
  name: 'Tiny world',
  description: '',
  verified: true,
  precision: 'fp32',
  nativeResolution: { width: 64, height: 64 },
  frames: { default: 16, max: 32 },
  latentChannels: 4,
  vaeScalingFactor: 0.5,
  hasImageModel: true,
  hasTokenizer: true,
  preview: null,
  defaults: { steps: 25, guidanceScale: 6, sampler: 'iv-iv' },
  suggestedPrompts: ['a red circle moving left on a black background'],
  totalBytes: 1,
} as PackInfo;

const VALUES = { prompt: 'a red circle', seed: '42', steps: '2', frames: '4' };

describe('checking a comparison', () => {
  it('turns the form into the IV-mixed run’s settings with the pack’s guidance and sampler', () => {
    const checked = checkComparison(VALUES, PACK);
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    expect(checked.seedDrawn).toBe(false);
    expect(checked.value).toMatchObject({ prompt: 'a red circle', seed: 42, frames: 4 });
    expect(checked.value.settings).toMatchObject({ variant: 'iv-iv', steps: 2, guidanceScale: 6 });
  });

  it('gives the Studio’s messages on the fields this form has', () => {
    const checked = checkComparison({ prompt: '  ', seed: '-1', steps: '0', frames: '40' }, PACK);
    if (checked.ok) throw new Error('accepted a bad form');
    expect(checked.errors.prompt).toMatch(/Type a prompt/);
    expect(checked.errors.seed).toMatch(/seed/i);
    expect(checked.errors.steps).toMatch(/at least 1/);
    expect(checked.errors.frames).toBe('This pack makes at most 32 frames.');
    expect(checked.general).toBeNull();
  });

  it('draws a seed when the field is empty', () => {
    const checked = checkComparison({ ...VALUES, seed: '' }, PACK);
    if (!checked.ok) throw new Error('refused an empty seed');
    expect(checked.seedDrawn).toBe(true);
    expect(Number.isInteger(checked.value.seed)).toBe(true);
  });

  it('explains that a pack without an image model cannot run IV-mixed', () => {
    const checked = checkComparison(VALUES, { ...PACK, hasImageModel: false });
    if (checked.ok) throw new Error('accepted IV-mixed without an image model');
    expect(checked.errors).toEqual({});
    expect(checked.general).toMatch(/“Tiny world” has no image model/);
  });

  it('compares against the pack’s default sampler only when it is an IV-mixed one', () => {
    expect(mixedVariantFor(PACK)).toBe('iv-iv');
    expect(mixedVariantFor({ ...PACK, defaults: { sampler: 'iv-iv-chain' } })).toBe('iv-iv-chain');
    expect(mixedVariantFor({ ...PACK, defaults: { sampler: 'ddim' } })).toBe('iv-iv');
    expect(mixedVariantFor({ ...PACK, defaults: { sampler: 'v-zigzag' } })).toBe('iv-iv');
    expect(mixedVariantFor(null)).toBe('iv-iv');
    expect(isMixedVariant('VIIV')).toBe(true);
  });

  it('takes the pack’s steps and frames as the defaults', () => {
    expect(packDefaultValues(PACK)).toEqual({ steps: '25', frames: '16' });
    expect(packDefaultValues({ ...PACK, frames: { default: 40, max: 8 }, defaults: {} })).toEqual({ steps: '50', frames: '8' });
  });
});

describe('the two requests of a comparison', () => {
  it('run DDIM first, then IV-mixed, and differ in nothing but the sampler', () => {
    const checked = checkComparison(VALUES, PACK);
    if (!checked.ok) throw new Error('refused');
    const [ddim, iv] = comparisonRequests(checked.value);
    expect(ddim.settings?.variant).toBe('ddim');
    expect(iv.settings?.variant).toBe('iv-iv');
    const { settings: ddimSettings, ...ddimRest } = ddim;
    const { settings: ivSettings, ...ivRest } = iv;
    expect(ddimRest).toEqual(ivRest);
    expect(ddimRest).toMatchObject({ seed: 42, frames: 4, prompt: 'a red circle', previewEvery: 0 });
    expect({ ...ddimSettings, variant: 'iv-iv' }).toEqual(ivSettings);
  });
});
