import { MAX_SEED, useFormStore } from './form-store.js';
import { NumberField } from './NumberField.js';

/** The seed, always shown; "Random" draws a new one. An empty seed is drawn at random when generating. */
export function SeedField() {
  const randomizeSeed = useFormStore((s) => s.randomizeSeed);
  return (
    <NumberField
      name="seed"
      label="Seed"
      min={0}
      max={MAX_SEED}
      step={1}
      hint="Same seed and settings, same video."
      addon={
        <button type="button" className="secondary" onClick={randomizeSeed}>
          Random
        </button>
      }
    />
  );
}
