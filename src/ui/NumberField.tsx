import type { ReactNode } from 'react';
import { Field } from './Field.js';
import { type FieldName, useFormStore } from './form-store.js';

type NumericField = Exclude<FieldName, 'prompt' | 'negativePrompt' | 'variant'>;

interface NumberFieldProps {
  name: NumericField;
  label: string;
  hint?: ReactNode;
  min?: number;
  max?: number;
  step?: number | 'any';
  placeholder?: string;
  disabled?: boolean;
  /** Shown right of the input (e.g. a button). */
  addon?: ReactNode;
  className?: string;
}

/** A number input bound to the form store; the value is validated when the form is submitted. */
export function NumberField({ name, label, hint, min, max, step, placeholder, disabled, addon, className }: NumberFieldProps) {
  const value = useFormStore((s) => s.values[name]);
  const setValue = useFormStore((s) => s.setValue);
  return (
    <Field name={name} label={label} hint={hint} className={className}>
      {(control) => {
        const input = (
          <input
            {...control}
            type="number"
            inputMode={step === 'any' || (step !== undefined && step < 1) ? 'decimal' : 'numeric'}
            value={value}
            min={min}
            max={max}
            step={step}
            placeholder={placeholder}
            disabled={disabled}
            onChange={(e) => setValue(name, e.target.value)}
          />
        );
        return addon ? (
          <div className="input-with-addon">
            {input}
            {addon}
          </div>
        ) : (
          input
        );
      }}
    </Field>
  );
}
