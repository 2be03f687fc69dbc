import { useEffect, useRef, useState } from "react";

type CopyState = "idle" | "copied" | "failed";

/**
 * A Copy button for a short value shown next to it (a coupon code). The outcome is announced in
 * an aria-live region: "Copied", or the value to copy by hand when the clipboard is unavailable.
 */
export function CopyButton({ value, label }: { value: string; label: string }) {
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
      setState("failed");
    }
    timer.current = setTimeout(() => setState("idle"), 4000);
  }

  return (
    <span className="copy-button">
      <button type="button" className="small-button" onClick={copy} aria-label={label}>
        Copy
      </button>
      <span className="copy-status small" role="status" aria-live="polite">
        {state === "copied" ? "Copied" : state === "failed" ? `Copy ${value} by hand` : ""}
      </span>
    </span>
  );
}
