import { useEffect, useId, useRef, useState } from "react";

export interface CopyFieldProps {
  label: string;
  value: string;
  /** Visually hide the label (it is still read by screen readers). */
  hideLabel?: boolean;
  hint?: string;
}

type CopyState = "idle" | "copied" | "failed";

/**
 * A read-only value (a referral or join link) with a Copy button. The outcome is announced via an
 * aria-live region ("Copied" / how to copy by hand), and shown next to the button.
 */
export function CopyField({ label, value, hideLabel, hint }: CopyFieldProps) {
  const id = useId().replace(/:/g, "");
  const inputRef = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<CopyState>("idle");
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(timer.current), []);

  async function copy() {
    clearTimeout(timer.current);
    try {
      if (!navigator.clipboard?.writeText) throw new Error("Clipboard unavailable");
      await navigator.clipboard.writeText(value);
      setState("copied");
    } catch {
      inputRef.current?.select();
      setState("failed");
    }
    timer.current = setTimeout(() => setState("idle"), 4000);
  }

  const hintId = hint ? `copy-${id}-hint` : undefined;
  return (
    <div className="field copy-field-wrap">
      <label htmlFor={`copy-${id}`} className={hideLabel ? "sr-only" : undefined}>
        {label}
      </label>
      {hint ? (
        <span className="hint" id={hintId}>
          {hint}
        </span>
      ) : null}
      <div className="copy-field">
        <input
          ref={inputRef}
          id={`copy-${id}`}
          type="text"
          readOnly
          value={value}
          aria-describedby={hintId}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button
          type="button"
          onClick={copy}
          aria-label={`Copy ${label.charAt(0).toLowerCase()}${label.slice(1)}`}
        >
          Copy
        </button>
      </div>
      <span className="copy-status small" role="status" aria-live="polite">
        {state === "copied"
          ? "Copied"
          : state === "failed"
            ? "Press Ctrl+C (or ⌘C) to copy the selected link."
            : ""}
      </span>
    </div>
  );
}
