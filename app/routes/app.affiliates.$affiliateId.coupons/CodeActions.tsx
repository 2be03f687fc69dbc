/** Deactivate and Delete for one affiliate code (an inactive code can only be deleted); both ask first. */
import { ConfirmAction } from "~/components/ConfirmAction";

export function CodeActions({
  code: c,
  busy,
}: {
  code: { id: string; code: string; active: boolean };
  busy: (intent: string, id: string) => boolean;
}) {
  return (
    <div className="row">
      {c.active ? (
        <ConfirmAction
          fields={{ intent: "deactivate", code_id: c.id }}
          label="Deactivate"
          ariaLabel={`Deactivate ${c.code}`}
          title={`Deactivate ${c.code}?`}
          confirmLabel={`Deactivate ${c.code}`}
          className=""
          disabled={busy("deactivate", c.id)}
        >
          <p>
            The Stripe promotion code <strong className="mono">{c.code}</strong> is switched off at
            once: customers typing it at Checkout get no discount and nobody is credited. Sales
            already credited stay.
          </p>
        </ConfirmAction>
      ) : null}
      <ConfirmAction
        fields={{ intent: "delete", code_id: c.id }}
        label="Delete"
        ariaLabel={`Delete ${c.code}`}
        title={`Delete ${c.code}?`}
        confirmLabel={`Delete ${c.code}`}
        disabled={busy("delete", c.id)}
      >
        <p>
          The Stripe promotion code <strong className="mono">{c.code}</strong> is deactivated in
          Stripe (Stripe never deletes promotion codes) and the code leaves this list. Customers can
          no longer use it. Conversions already credited stay.
        </p>
      </ConfirmAction>
    </div>
  );
}
