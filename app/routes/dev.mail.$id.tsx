import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { notFound } from "~/auth/guards.server";
import { readDevMail } from "~/mail/dev-mailbox.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.mail.subject ?? "Email"} · Dev mail · Rekomi` },
];

/** One caught email: headers, its links, the text, and the HTML in a sandboxed frame. */
export async function loader({ params, context }: LoaderFunctionArgs) {
  if (context.config.isProduction) throw notFound();
  const mail = await readDevMail(context.config.dataDir, params.id ?? "");
  if (!mail) throw notFound("No such email.");
  return { mail };
}

export default function DevMailMessage() {
  const { mail } = useLoaderData<typeof loader>();
  return (
    <main className="content" id="main" style={{ maxWidth: 960, margin: "0 auto" }}>
      <p>
        <Link to="/dev/mail">← All emails</Link>
      </p>
      <div className="page-header">
        <h1>{mail.subject}</h1>
      </div>
      <dl className="details">
        <dt>From</dt>
        <dd>{mail.from}</dd>
        <dt>To</dt>
        <dd>{mail.to}</dd>
        <dt>Date</dt>
        <dd>{mail.date}</dd>
      </dl>
      {mail.links.length > 0 ? (
        <section className="card">
          <h2 style={{ marginTop: 0 }}>Links</h2>
          <ul>
            {mail.links.map((href) => (
              <li key={href}>
                <a href={href}>{href}</a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section className="card">
        <h2 style={{ marginTop: 0 }}>Text</h2>
        <pre style={{ whiteSpace: "pre-wrap" }}>{mail.text}</pre>
      </section>
      {mail.html ? (
        <section className="card">
          <h2 style={{ marginTop: 0 }}>HTML</h2>
          <iframe
            title="HTML version"
            sandbox=""
            srcDoc={mail.html}
            style={{ width: "100%", height: 480, border: "1px solid #e4e7eb" }}
          />
        </section>
      ) : null}
    </main>
  );
}
