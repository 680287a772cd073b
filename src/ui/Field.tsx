import type { ReactNode } from 'react';
import { type FieldName, fieldId, useFormStore } from './form-store.js';
import { type LabelledControl, LabelledField } from './LabelledField.js';

/** Props a Studio field's control needs: labelled, pointing at its hint and error, and named. */
export interface ControlProps extends LabelledControl {
  name: FieldName;
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

/** A Studio form control: LabelledField with its validation message read from the form store. */
export function Field({ name, label, hint, className, after, children }: FieldProps) {
  const error = useFormStore((s) => s.errors[name]);
  return (
    <LabelledField id={fieldId(name)} label={label} error={error} hint={hint} className={className} after={after}>
      {(control) => children({ ...control, name })}
    </LabelledField>
  );
}
