/** The endpoint's delivery log: one row per message, its attempts and payload, and Resend. */
import { Form, Link } from "@remix-run/react";
import { CsrfInput } from "~/components/CsrfInput";
import { EmptyState } from "~/components/EmptyState";
import { DeliveryStatusBadge, WhenUtc } from "~/webhooks/EndpointFields";
import type { loader } from "./endpoint.server";
import type { SerializeFrom } from "@remix-run/node";

type Delivery = SerializeFrom<typeof loader>["deliveries"][number];

export function DeliveryLog({
  deliveries,
  nextCursor,
  isFirstPage,
  busy,
  endpointEnabled,
}: {
  deliveries: Delivery[];
  nextCursor: string | null;
  isFirstPage: boolean;
  busy: boolean;
  endpointEnabled: boolean;
}) {
  return (
    <section aria-labelledby="log-heading">
      <h3 id="log-heading">Delivery log</h3>
      {deliveries.length === 0 ? (
        <EmptyState
          title={isFirstPage ? "No deliveries yet" : "No older deliveries"}
          headingLevel={3}
        >
          {isFirstPage
            ? "Messages sent to this endpoint appear here with every attempt. Send a test event to try it."
            : null}
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Message</th>
                <th scope="col">Event</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id}>
                  <td className="mono small">{d.messageId}</td>
                  <td className="mono small">{d.eventType}</td>
                  <td className="small">
                    <WhenUtc iso={d.createdAt} />
                  </td>
                  <td>
                    <DeliveryStatusBadge status={d.status} />
                    {d.nextAttemptAt && d.status === "failed" ? (
                      <div className="small muted">
                        Next try <WhenUtc iso={d.nextAttemptAt} />
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <details>
                      <summary>
                        {d.attemptCount} attempt{d.attemptCount === 1 ? "" : "s"}
                      </summary>
                      {d.attempts.length > 0 ? (
                        <table className="small">
                          <thead>
                            <tr>
                              <th scope="col">Time</th>
                              <th scope="col">Status code</th>
                              <th scope="col">Latency</th>
                              <th scope="col">Response</th>
                            </tr>
                          </thead>
                          <tbody>
                            {d.attempts.map((a) => (
                              <tr key={a.id}>
                                <td>
                                  <WhenUtc iso={a.attemptedAt} />
                                </td>
                                <td>
                                  <span className={`badge ${a.succeeded ? "success" : "danger"}`}>
                                    {a.statusCode ?? "—"}
                                  </span>
                                </td>
                                <td className="num">{a.latencyMs} ms</td>
                                <td>
                                  {a.error ? <div>{a.error}</div> : null}
                                  {a.responseSnippet ? (
                                    <pre
                                      className="mono small"
                                      style={{ whiteSpace: "pre-wrap", maxWidth: "40ch" }}
                                    >
                                      {a.responseSnippet}
                                    </pre>
                                  ) : null}
                                </td>
                              </tr>
                            ))}
                          </tbody>
                        </table>
                      ) : (
                        <p className="muted small">Not attempted yet.</p>
                      )}
                      <p className="small" style={{ marginBottom: 0 }}>
                        Payload:
                      </p>
                      <pre
                        className="mono small"
                        style={{ whiteSpace: "pre-wrap", maxWidth: "60ch" }}
                      >
                        {d.body}
                      </pre>
                    </details>
                  </td>
                  <td>
                    <Form method="post">
                      <CsrfInput />
                      <input type="hidden" name="intent" value="resend" />
                      <input type="hidden" name="messageId" value={d.messageId} />
                      <button
                        type="submit"
                        disabled={busy || !endpointEnabled}
                        aria-label={`Resend ${d.messageId}`}
                      >
                        Resend
                      </button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="row">
        {!isFirstPage ? <Link to=".">Newest deliveries</Link> : null}
        {nextCursor ? <Link to={`?before=${nextCursor}`}>Older deliveries →</Link> : null}
      </div>
    </section>
  );
}
