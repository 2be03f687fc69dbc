import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { notFound } from "~/auth/guards.server";
import { EmptyState } from "~/components/EmptyState";
import { listDevMail } from "~/mail/dev-mailbox.server";

export const meta: MetaFunction = () => [{ title: "Dev mail · Rekomi" }];

/** Development only (NODE_ENV≠production): every email the in-process SMTP server caught. */
export async function loader({ context }: LoaderFunctionArgs) {
  if (context.config.isProduction) throw notFound();
  return { mails: await listDevMail(context.config.dataDir) };
}

const time = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium" });

export default function DevMail() {
  const { mails } = useLoaderData<typeof loader>();
  return (
    <main className="content" id="main" style={{ maxWidth: 960, margin: "0 auto" }}>
      <div className="page-header">
        <h1>Dev mail</h1>
      </div>
      <p className="muted">
        Development only: every email Rekomi sent through its in-process SMTP server, newest first.
      </p>
      {mails.length === 0 ? (
        <EmptyState title="No emails yet">
          Sign up, join a campaign or ask for a password reset: the email shows up here.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Received</th>
              </tr>
            </thead>
            <tbody>
              {mails.map((m) => (
                <tr key={m.id}>
                  <td>{m.to}</td>
                  <td>
                    <Link to={`/dev/mail/${m.id}`}>{m.subject}</Link>
                  </td>
                  <td>
                    <time dateTime={m.date}>{time.format(new Date(m.date))}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
