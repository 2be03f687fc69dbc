/** The 50 most recent Stripe webhook events, with Retry for failed ones. */
import { Form } from "@remix-run/react";
import { CsrfInput } from "~/components/CsrfInput";
import { StripeEventStatusBadge } from "~/components/StripeEventStatusBadge";
import type { EventRow } from "./stripe-settings.server";
import { When } from "./When";

export function EventsTable({ events, connected }: { events: EventRow[]; connected: boolean }) {
  return (
    <section aria-labelledby="stripe-events-heading">
      <h2 id="stripe-events-heading">Recent webhook events</h2>
      {events.length === 0 ? (
        <div className="empty">
          <h3>No events yet</h3>
          <p className="muted">
            {connected
              ? "Events from Stripe appear here as they arrive, for example after a checkout or a refund."
              : "Connect Stripe above; its webhook events will be listed here."}
          </p>
        </div>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">
              The 50 most recent Stripe webhook events, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Received</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Attempts
                </th>
                <th scope="col">Error</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id}>
                  <td>
                    <span className="mono">{event.type}</span>
                    <br />
                    <span className="muted small mono">{event.stripeEventId}</span>
                  </td>
                  <td>
                    <When iso={event.receivedAt} />
                  </td>
                  <td>
                    <StripeEventStatusBadge status={event.status} />
                  </td>
                  <td className="num">{event.attempts}</td>
                  <td className="small">{event.error ?? <span className="muted">—</span>}</td>
                  <td>
                    {event.status === "failed" ? (
                      <Form method="post">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="retry" />
                        <input type="hidden" name="eventId" value={event.id} />
                        <button
                          type="submit"
                          aria-label={`Retry ${event.type} event ${event.stripeEventId}`}
                        >
                          Retry
                        </button>
                      </Form>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
