import { PASSWORD_MIN } from "~/domain/password-rules";
import { Field } from "./Field";

/** A password input: `new` (with the strength hint) or `current`. */
export function PasswordField({
  kind,
  name,
  label,
  error,
  hint,
}: {
  kind: "new" | "current";
  name: string;
  label: string;
  error?: string;
  hint?: string;
}) {
  return (
    <Field
      label={label}
      name={name}
      type="password"
      autoComplete={kind === "new" ? "new-password" : "current-password"}
      required
      minLength={kind === "new" ? PASSWORD_MIN : undefined}
      hint={
        hint ??
        (kind === "new"
          ? `At least ${PASSWORD_MIN} characters, hard to guess: a few uncommon words work well.`
          : undefined)
      }
      error={error}
    />
  );
}

/** A new password and its confirmation (`confirmPassword`), as signup and reset ask for them. */
export function NewPasswordFields({
  name = "password",
  label,
  confirmLabel,
  hint,
  errors,
}: {
  name?: string;
  label: string;
  confirmLabel: string;
  hint?: string;
  errors: Partial<Record<string, string>>;
}) {
  return (
    <>
      <PasswordField kind="new" label={label} name={name} hint={hint} error={errors[name]} />
      <PasswordField
        kind="new"
        label={confirmLabel}
        name="confirmPassword"
        hint=""
        error={errors.confirmPassword}
      />
    </>
  );
}
