import { Form } from "@remix-run/react";
import { type ReactNode, useId, useRef } from "react";
import { CsrfInput } from "./CsrfInput";
import { HiddenFields } from "./HiddenFields";

/**
 * A destructive action behind one accessible confirmation dialog (the native modal `<dialog>`:
 * focus stays inside it, Escape closes it, and focus returns to the button that opened it).
 * The dialog names what will happen, in Stripe too. Cancel has the first focus, so Enter never
 * destroys anything by accident. Before JavaScript loads, the button submits directly.
 */
export function ConfirmAction({
  fields,
  label,
  ariaLabel,
  title,
  children,
  confirmLabel,
  disabled,
  className = "danger",
  formClassName,
}: {
  /** Hidden form fields, e.g. `{ intent: "delete", code_id: id }`. */
  fields: Record<string, string>;
  /** The button that opens the dialog. */
  label: string;
  ariaLabel?: string;
  /** The dialog's heading, a question: "Delete SARAH20?". */
  title: string;
  /** What will happen (in Rekomi and in Stripe), and what will not. */
  children: ReactNode;
  confirmLabel: string;
  disabled?: boolean;
  className?: string;
  formClassName?: string;
}) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const id = useId().replace(/:/g, "");
  return (
    <Form method="post" className={formClassName} onSubmit={() => dialogRef.current?.close()}>
      <CsrfInput />
      <HiddenFields fields={fields} />
      <button
        type="submit"
        className={className || undefined}
        disabled={disabled}
        aria-label={ariaLabel}
        aria-haspopup="dialog"
        onClick={(e) => {
          const dialog = dialogRef.current;
          if (!dialog || typeof dialog.showModal !== "function") return;
          e.preventDefault();
          dialog.showModal();
        }}
      >
        {label}
      </button>
      <dialog
        ref={dialogRef}
        className="confirm-dialog"
        aria-labelledby={`confirm-${id}-title`}
        aria-describedby={`confirm-${id}-body`}
      >
        <h2 id={`confirm-${id}-title`}>{title}</h2>
        <div id={`confirm-${id}-body`} className="confirm-body">
          {children}
        </div>
        <div className="row confirm-buttons">
          <button type="button" autoFocus onClick={() => dialogRef.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="danger">
            {confirmLabel}
          </button>
        </div>
      </dialog>
    </Form>
  );
}
