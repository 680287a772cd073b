import { describe, expect, it } from 'vitest';
import { InvalidSettingsError } from '../../src/core/errors.js';
import {
  DEFAULT_SAMPLER_SETTINGS,
  type SamplerSettings,
  validateSettings,
  withDefaults,
} from '../../src/core/sampler/settings.js';
import { isSamplerVariant, orderingSubSteps, SAMPLER_VARIANTS, VARIANTS } from '../../src/core/sampler/variants.js';

function settingError(settings: SamplerSettings): InvalidSettingsError {
  try {
    validateSettings(settings);
  } catch (e) {
    if (e instanceof InvalidSettingsError) return e;
    throw e;
  }
  throw new Error('expected InvalidSettingsError');
}

describe('DEFAULT_SAMPLER_SETTINGS', () => {
  it('are the official AnimateDiff IV-mixed defaults (spec §4)', () => {
    expect(DEFAULT_SAMPLER_SETTINGS).toEqual({
      variant: 'iv-iv',
      steps: 50,
      guidanceScale: 7.5,
      eta: 0,
      interval: null,
      zz: 1000,
      imageGuidance: { begin: 4, end: 4 },
      videoGuidance: { begin: 4, end: 4 },
      rho: 7,
    });
    expect(Object.isFrozen(DEFAULT_SAMPLER_SETTINGS)).toBe(true);
  });
});

describe('withDefaults', () => {
  it('fills missing knobs and merges ramp halves', () => {
    const s = withDefaults({ steps: 25, imageGuidance: { begin: 6 } as SamplerSettings['imageGuidance'] });
    expect(s.steps).toBe(25);
    expect(s.variant).toBe('iv-iv');
    expect(s.imageGuidance).toEqual({ begin: 6, end: 4 });
    expect(s.videoGuidance).toEqual({ begin: 4, end: 4 });
  });

  it('does not share the default ramp objects', () => {
    const s = withDefaults({});
    s.imageGuidance.begin = 9;
    expect(DEFAULT_SAMPLER_SETTINGS.imageGuidance.begin).toBe(4);
  });
});

describe('validateSettings', () => {
  it('resolves a null interval to the variant default', () => {
    expect(validateSettings(withDefaults({})).interval).toEqual([0, 49]);
    expect(validateSettings(withDefaults({ steps: 25 })).interval).toEqual([0, 24]);
    expect(validateSettings(withDefaults({ variant: 'v-zigzag' })).interval).toEqual([0, 39]); // spec §1.3: i < 40
    expect(validateSettings(withDefaults({ variant: 'ddim' })).interval).toEqual([0, -1]); // never mixes
    expect(validateSettings(withDefaults({ interval: [10, 20] })).interval).toEqual([10, 20]);
  });

  it('accepts the defaults and the boundary values', () => {
    expect(() => validateSettings(withDefaults({}))).not.toThrow();
    expect(() => validateSettings(withDefaults({ steps: 1, eta: 1, zz: 1, guidanceScale: 0, interval: [3, 3] }))).not.toThrow();
    expect(() => validateSettings(withDefaults({ steps: 1000 }))).not.toThrow();
  });

  it.each<[string, Partial<SamplerSettings>, string, RegExp]>([
    ['steps 0', { steps: 0 }, 'steps', /steps/i],
    ['steps 1.5', { steps: 1.5 }, 'steps', /1\.5/],
    ['steps beyond num_train_timesteps', { steps: 1001 }, 'steps', /steps/i],
    ['negative eta', { eta: -0.1 }, 'eta', /eta/i],
    ['eta above 1', { eta: 1.5 }, 'eta', /eta/i],
    ['zz 0', { zz: 0 }, 'zz', /zz/],
    ['zz 2.5', { zz: 2.5 }, 'zz', /zz/],
    ['interval end < begin', { interval: [20, 10] }, 'interval', /interval/i],
    ['negative interval begin', { interval: [-1, 10] }, 'interval', /interval/i],
    ['fractional interval', { interval: [0.5, 10] }, 'interval', /interval/i],
    ['unknown variant', { variant: 'zigzag-plus' as SamplerSettings['variant'] }, 'variant', /zigzag-plus/],
    ['rho 0', { rho: 0 }, 'rho', /rho/],
    ['rho NaN', { rho: Number.NaN }, 'rho', /rho/],
    ['negative guidance scale', { guidanceScale: -1 }, 'guidanceScale', /guidance/i],
    ['guidance scale NaN', { guidanceScale: Number.NaN }, 'guidanceScale', /guidance/i],
    ['image ramp begin 60', { imageGuidance: { begin: 60, end: 4 } }, 'imageGuidance', /imageGuidance begin/],
    ['video ramp end −1', { videoGuidance: { begin: 4, end: -1 } }, 'videoGuidance', /videoGuidance end/],
  ])('rejects %s with InvalidSettingsError naming the setting', (_what, partial, setting, message) => {
    const e = settingError(withDefaults(partial));
    expect(e.name).toBe('InvalidSettingsError');
    expect(e.setting).toBe(setting);
    expect(e.message).toMatch(message);
  });

  it('lets the caller lower the step limit', () => {
    expect(() => validateSettings(withDefaults({ steps: 60 }), 50)).toThrow(InvalidSettingsError);
  });
});

describe('variants', () => {
  it('lists every sampler of the spec', () => {
    expect([...SAMPLER_VARIANTS].sort()).toEqual(
      ['ddim', 'iv-iv', 'iv-iv-chain', 'v-zigzag', 'VIIV', 'VIVI', 'VVII', 'IVVI', 'IVIV', 'IIVV'].sort(),
    );
    for (const v of SAMPLER_VARIANTS) expect(VARIANTS[v].id).toBe(v);
    expect(isSamplerVariant('iv-iv')).toBe(true);
    expect(isSamplerVariant('IVII')).toBe(false);
  });

  it('only the IDM variants need the image model', () => {
    expect(VARIANTS.ddim.usesImageModel).toBe(false);
    expect(VARIANTS['v-zigzag'].usesImageModel).toBe(false);
    expect(VARIANTS['iv-iv'].usesImageModel).toBe(true);
    expect(VARIANTS.VVII.usesImageModel).toBe(true);
  });

  it('orderingSubSteps rejects orderings that are not two I and two V', () => {
    expect(() => orderingSubSteps('IVII')).toThrow(RangeError);
    expect(() => orderingSubSteps('IVX')).toThrow(RangeError);
    expect(() => orderingSubSteps('IVIVV')).toThrow(RangeError);
  });
});
