import type { ReactNode } from 'react';
import { type FieldName, fieldId, useFormStore } from './form-store.js';

/** Props a field's control needs to be labelled and to point at its hint and error. */
export interface ControlProps {
  id: string;
  name: FieldName;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

interface FieldProps {
  name: FieldName;
  label: string;
  hint?: ReactNode;
  className?: string;
  /** Shown after the message and the hint (e.g. suggestions). */
  after?: ReactNode;
  /** Renders the control (input, textarea, select) with the given props. */
  children: (control: ControlProps) => ReactNode;
}

/** A labelled form control with its hint and its validation message (aria-invalid, aria-describedby). */
export function Field({ name, label, hint, className, after, children }: FieldProps) {
  const error = useFormStore((s) => s.errors[name]);
  const id = fieldId(name);
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={['field', error ? 'field-invalid' : '', className ?? ''].filter(Boolean).join(' ')}>
      <label htmlFor={id}>{label}</label>
      {children({ id, name, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {after}
    </div>
  );
}
