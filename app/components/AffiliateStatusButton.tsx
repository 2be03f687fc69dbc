import { Form } from "@remix-run/react";
import { AFFILIATE_ACTIONS, type AffiliateAction } from "~/domain/affiliate";
import { ConfirmAction } from "./ConfirmAction";
import { CsrfInput } from "./CsrfInput";
import { HiddenFields } from "./HiddenFields";

/** What rejecting or suspending does, said before it happens. */
const CONSEQUENCES: Partial<Record<AffiliateAction, (name: string) => string>> = {
  reject: (name) =>
    `${name}'s application is declined: their links and codes credit them nothing. Any Stripe promotion codes they have are deactivated, so customers can no longer use them. You can still approve them later.`,
  suspend: (name) =>
    `${name} stops earning: new sales through their links and codes are not credited. Their Stripe promotion codes are deactivated, so customers can no longer use them. Commission already earned stays, and reinstating them reactivates the codes.`,
};

/**
 * One status change for an affiliate. Approve and reinstate act at once; reject and suspend ask
 * first, in the confirmation dialog.
 */
export function AffiliateStatusButton({
  act,
  name,
  fields = {},
  busy,
  ariaLabel,
}: {
  act: AffiliateAction;
  name: string;
  /** Extra hidden fields, e.g. `{ affiliateId }` on the list page. */
  fields?: Record<string, string>;
  busy: boolean;
  ariaLabel?: string;
}) {
  const { label } = AFFILIATE_ACTIONS[act];
  const consequence = CONSEQUENCES[act];
  if (consequence) {
    return (
      <ConfirmAction
        fields={{ ...fields, intent: act }}
        label={label}
        ariaLabel={ariaLabel}
        title={`${label} ${name}?`}
        confirmLabel={`${label} ${name}`}
        disabled={busy}
        formClassName="inline-form"
      >
        <p>{consequence(name)}</p>
      </ConfirmAction>
    );
  }
  return (
    <Form method="post" className="inline-form">
      <CsrfInput />
      <HiddenFields fields={fields} />
      <button
        type="submit"
        name="intent"
        value={act}
        className="primary"
        disabled={busy}
        aria-label={ariaLabel}
      >
        {label}
      </button>
    </Form>
  );
}
