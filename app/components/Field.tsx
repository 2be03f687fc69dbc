import { useEffect, useId, type InputHTMLAttributes, type ReactNode, type RefObject } from "react";

/**
 * A labelled form input. When `error` is set the input gets aria-invalid and the message is linked
 * to it through aria-describedby (after the hint, if any), so screen readers announce both.
 */
export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, "name" | "id"> {
  label: ReactNode;
  name: string;
  id?: string;
  hint?: ReactNode;
  error?: string | null;
}

export function Field({ label, name, id, hint, error, type = "text", ...input }: FieldProps) {
  const generated = useId();
  const inputId = id ?? `${name}-${generated.replace(/:/g, "")}`;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = error ? `${inputId}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <label htmlFor={inputId}>{label}</label>
      {hint ? (
        <span className="hint" id={hintId}>
          {hint}
        </span>
      ) : null}
      <input
        {...input}
        id={inputId}
        name={name}
        type={type}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {error ? (
        <span className="error" id={errorId}>
          {error}
        </span>
      ) : null}
    </div>
  );
}

/** A form-level message (e.g. wrong credentials), announced when it appears. */
export function FormError({ children }: { children?: ReactNode }) {
  if (!children) return null;
  return (
    <div className="alert error" role="alert">
      {children}
    </div>
  );
}

/** After a failed submit, move focus to the first invalid field so keyboard users land on it. */
export function useFocusFirstInvalid(formRef: RefObject<HTMLFormElement | null>, trigger: unknown) {
  useEffect(() => {
    if (!trigger) return;
    const invalid = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    invalid?.focus();
  }, [formRef, trigger]);
}

/** A checkbox with its label and a hint tied to it (aria-describedby). */
export function CheckboxField({
  name,
  label,
  hint,
  defaultChecked,
}: {
  name: string;
  label: ReactNode;
  hint: ReactNode;
  defaultChecked: boolean;
}) {
  const hintId = `${name}-${useId().replace(/:/g, "")}-hint`;
  return (
    <div className="field">
      <label className="checkbox">
        <input
          type="checkbox"
          name={name}
          defaultChecked={defaultChecked}
          aria-describedby={hintId}
        />
        {label}
      </label>
      <span className="hint" id={hintId}>
        {hint}
      </span>
    </div>
  );
}
