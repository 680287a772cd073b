import type { ReactNode } from 'react';

/** Props a control needs to be labelled and to point at its hint and message. */
export interface LabelledControl {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

interface LabelledFieldProps {
  id: string;
  label: string;
  error?: string | null | undefined;
  hint?: ReactNode;
  className?: string;
  /** Shown after the message and the hint (e.g. suggestions). */
  after?: ReactNode;
  children: (control: LabelledControl) => ReactNode;
}

/**
 * A labelled control with its hint and validation message (aria-invalid, aria-describedby). The Studio
 * wraps it as Field, which reads the message from its form store; Compare and Demo pass theirs directly.
 */
export function LabelledField({ id, label, error, hint, className, after, children }: LabelledFieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={['field', error ? 'field-invalid' : '', className ?? ''].filter(Boolean).join(' ')}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
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
