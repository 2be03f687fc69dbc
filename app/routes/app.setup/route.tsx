/**
 * Set up tracking: the `rekomi.js` snippet with the brand's own values, how to hand the click to
 * Stripe (Payment Links, Checkout on a server, customer metadata), and "Test your setup".
 * Loader: ./setup.server.ts; the code shown: ./snippets.ts.
 */
import type { MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { CodeBlock } from "~/components/CodeBlock";
import type { loader } from "./setup.server";
import { CHECKOUT_SERVER, CUSTOMER_METADATA, PAYMENT_LINK_BY_HAND, snippetTag } from "./snippets";
import { TestSetup } from "./TestSetup";

export { loader } from "./setup.server";

export const meta: MetaFunction = () => [{ title: "Set up tracking · Rekomi" }];

export default function SetUpTracking() {
  const data = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <div className="page-header">
        <div>
          <h1>Set up tracking</h1>
          <p className="muted">
            Codes typed at Stripe Checkout are credited as soon as Stripe is connected. Referral
            links need two more steps on your site, so the click reaches Stripe.
          </p>
        </div>
      </div>
      <section className="card" aria-labelledby="snippet-heading">
        <h2 id="snippet-heading" style={{ marginTop: 0 }}>
          1. Add the snippet to your site
        </h2>
        <p>
          Put it on every page a visitor can land on. It keeps the referral click for{" "}
          {data.cookieDays} days (your longest campaign cookie window) and adds it to your Stripe
          Payment Links, pricing tables and buy buttons.
        </p>
        <CodeBlock title="rekomi.js snippet" code={snippetTag(data.appUrl, data.cookieDays)} />
      </section>
      <section className="card" aria-labelledby="stripe-heading">
        <h2 id="stripe-heading" style={{ marginTop: 0 }}>
          2. Hand the click to Stripe
        </h2>
        <h3>Payment Links and pricing tables</h3>
        <p>Nothing more to do with the snippet. Without it, add the click id yourself:</p>
        <CodeBlock title="Payment Link by hand" code={PAYMENT_LINK_BY_HAND} />
        <h3>Checkout Sessions created on your server</h3>
        <p>
          Pass the click as <span className="mono">client_reference_id</span> (and on the
          subscription&apos;s metadata), from <span className="mono">Rekomi.ref()</span>, the{" "}
          <span className="mono">rekomi_ref</span> cookie or the{" "}
          <span className="mono">rk_ref</span> query parameter.
        </p>
        <CodeBlock title="Checkout example" code={CHECKOUT_SERVER} />
        <h3>Customers created without Checkout</h3>
        <CodeBlock title="Customer metadata example" code={CUSTOMER_METADATA} />
      </section>
      <section className="card" aria-labelledby="codes-heading">
        <h2 id="codes-heading" style={{ marginTop: 0 }}>
          3. Let customers type codes
        </h2>
        <p>
          Turn on promotion codes in Checkout (
          <span className="mono">allow_promotion_codes: true</span>, or &quot;Allow promotion
          codes&quot; on a Payment Link). Rekomi credits the affiliate whose code was used.
        </p>
      </section>
      <TestSetup data={data} />
    </div>
  );
}
