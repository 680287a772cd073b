import { SAMPLER_VARIANTS, type SamplerVariant, VARIANTS } from '../core/sampler/variants.js';
import { Field } from './Field.js';
import { useFormStore } from './form-store.js';
import { usePackStore } from './pack-store.js';

export function SamplerSelect() {
  const variant = useFormStore((s) => s.values.variant);
  const setValue = useFormStore((s) => s.setValue);
  const hasImageModel = usePackStore((s) => s.summary?.pack.hasImageModel ?? true);
  return (
    <Field name="variant" label="Sampler" hint={VARIANTS[variant].description} className="field-wide">
      {(control) => (
        <select {...control} value={variant} onChange={(e) => setValue('variant', e.target.value as SamplerVariant)}>
          {SAMPLER_VARIANTS.map((id) => {
            const needsImage = VARIANTS[id].usesImageModel && !hasImageModel;
            return (
              <option key={id} value={id} disabled={needsImage}>
                {VARIANTS[id].title}
                {needsImage ? ' (needs an image model)' : ''}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
}
