/** Coupons deleted in Rekomi whose Stripe deletion is still in progress or failed (with Retry now). */
import { Form } from "@remix-run/react";
import type { SerializeFrom } from "@remix-run/node";
import { CsrfInput } from "~/components/CsrfInput";
import type { loader } from "./coupons.server";

type DeletingView = SerializeFrom<typeof loader>["deleting"][number];

export function DeletingList({
  deleting,
  busy,
}: {
  deleting: DeletingView[];
  busy: (intent: string, id: string) => boolean;
}) {
  return (
    <section className="card" aria-labelledby="deleting-heading">
      <h3 id="deleting-heading" style={{ marginTop: 0 }}>
        Removing from Stripe
      </h3>
      <ul className="plain-list">
        {deleting.map((c) => (
          <li key={c.id}>
            <strong>{c.name}</strong> <span className="mono small">{c.stripeCouponId}</span>
            {c.stripeSyncError ? (
              <div className="error small">
                Stripe could not delete it yet: {c.stripeSyncError} Rekomi retries automatically.
                <Form method="post" className="inline-form">
                  <CsrfInput />
                  <input type="hidden" name="intent" value="retry_delete" />
                  <input type="hidden" name="coupon_id" value={c.id} />{" "}
                  <button type="submit" className="link" disabled={busy("retry_delete", c.id)}>
                    Retry now
                  </button>
                </Form>
              </div>
            ) : (
              <span className="muted small"> — deletion in progress</span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
