import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import {
  Form,
  Link,
  useActionData,
  useLoaderData,
  useNavigation,
  useRevalidator,
} from "@remix-run/react";
import { useEffect, useRef } from "react";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import { requireCsrfForm } from "~/auth/csrf.server";
import { ConversionStatusBadge } from "~/components/ConversionStatus";
import type { ConversionStatus } from "~/domain/conversion-enums";
import { CsrfInput } from "~/components/CsrfInput";
import { Field, FormError, useFocusFirstInvalid } from "~/components/Field";
import { fieldErrorsOf, formFields } from "~/domain/forms";
import { formatMoney, SUPPORTED_CURRENCIES } from "~/domain/money";
import {
  findSimulatedConversion,
  simulateCheckout,
  simulateCheckoutSchema,
  simulateRefund,
  simulatorEnabled,
  simulatorOptions,
} from "~/services/dev/simulator.server";

/** Dev only: "Simulate checkout" — a customer paying at (emulated) Stripe Checkout. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  if (!simulatorEnabled(context.config)) throw notFound();
  const { brand } = await requireBrandUser(request, context);
  const url = new URL(request.url);
  const session = url.searchParams.get("session");
  const invoice = url.searchParams.get("invoice");
  const options = await simulatorOptions(context.db, brand.id);
  const conversion = await findSimulatedConversion(context.db, brand.id, { session, invoice });
  return {
    options,
    purchase: session ? { session, invoice, startedAt: url.searchParams.get("t") } : null,
    /** When "Refund in full" was pressed (ms), so the page can watch the refund arrive. */
    refundedAt: Number(url.searchParams.get("refunded") ?? 0) || null,
    conversion,
  };
}

type ActionData = { fieldErrors?: Partial<Record<string, string>>; refundError?: string };

export async function action({ request, context }: ActionFunctionArgs) {
  if (!simulatorEnabled(context.config)) throw notFound();
  const { brand } = await requireBrandUser(request, context);
  const form = await requireCsrfForm(request);
  const fields = formFields(form);
  if (fields.intent === "refund") {
    const amount = fields.refund_amount ? Number(fields.refund_amount) : undefined;
    const result = await simulateRefund(context.db, context.config, brand.id, {
      paymentIntent: fields.payment_intent ?? "",
      amount: amount && Number.isInteger(amount) && amount > 0 ? amount : undefined,
    });
    if (!result.ok) return data<ActionData>({ refundError: result.message }, { status: 400 });
    const back = new URL(request.url);
    back.searchParams.set("refunded", String(Date.now()));
    return redirect(back.pathname + back.search);
  }
  const parsed = simulateCheckoutSchema.safeParse(fields);
  if (!parsed.success)
    return data<ActionData>({ fieldErrors: fieldErrorsOf(parsed.error) }, { status: 400 });
  const result = await simulateCheckout(context.db, context.config, brand.id, parsed.data);
  if (!result.ok) return data<ActionData>({ fieldErrors: result.fieldErrors }, { status: 400 });
  const params = new URLSearchParams({
    session: result.ids.checkout_session,
    t: String(Date.now()),
  });
  if (result.ids.invoice) params.set("invoice", result.ids.invoice);
  return redirect(`/app/simulate?${params}`);
}

export default function SimulateCheckout() {
  const { options, purchase, conversion, refundedAt } = useLoaderData<typeof loader>();
  const actionData = useActionData<ActionData>();
  const errors = actionData?.fieldErrors ?? {};
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, actionData?.fieldErrors);

  // Watch the conversion arrive: poll while the purchase has no conversion yet (max ~30 s).
  const revalidator = useRevalidator();
  // After "Refund in full", poll the same way until Stripe's charge.refunded has been applied.
  const refunding = Boolean(refundedAt) && conversion?.status !== "refunded";
  const waiting = (Boolean(purchase) && !conversion) || refunding;
  const startedAt = refunding
    ? (refundedAt ?? 0)
    : purchase?.startedAt
      ? Number(purchase.startedAt)
      : 0;
  useEffect(() => {
    if (!waiting || Date.now() - startedAt > 30_000) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 1000);
    return () => clearInterval(timer);
  }, [waiting, startedAt, revalidator]);

  return (
    <div className="stack">
      <div className="page-header">
        <h1>Simulate checkout</h1>
        <span className="badge warning">Development only</span>
      </div>
      <p className="muted">
        Pay like a customer at Stripe Checkout (the local Stripe emulator). Type an affiliate&apos;s
        code, or follow an affiliate&apos;s link first, and watch the conversion arrive.
      </p>

      <section className="card" aria-labelledby="sim-form">
        <h2 id="sim-form">New purchase</h2>
        <Form method="post" ref={formRef} noValidate>
          <CsrfInput />
          <FormError>{errors.form}</FormError>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="sim-mode">Purchase</label>
              <select id="sim-mode" name="mode" defaultValue="subscription">
                <option value="subscription">Monthly subscription</option>
                <option value="payment">One-off payment</option>
              </select>
            </div>
            <Field
              label="Price"
              name="amount"
              defaultValue="49.00"
              inputMode="decimal"
              error={errors.amount}
            />
            <div className="field">
              <label htmlFor="sim-currency">Currency</label>
              <select id="sim-currency" name="currency" defaultValue="usd">
                {SUPPORTED_CURRENCIES.map((c) => (
                  <option key={c} value={c}>
                    {c.toUpperCase()}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <div className="form-grid">
            <Field
              label="Promotion code typed at checkout"
              name="code"
              list="sim-codes"
              placeholder="e.g. SARAH20"
              autoCapitalize="characters"
              error={errors.code}
              hint="Optional."
            />
            <datalist id="sim-codes">
              {options.codes.map((c) => (
                <option key={c.code} value={c.code}>
                  {c.affiliate_name}
                </option>
              ))}
            </datalist>
            <div className="field">
              <label htmlFor="sim-link">Arrive through an affiliate link</label>
              <span className="hint" id="sim-link-hint">
                Optional. Records a click and carries it to Checkout as client_reference_id.
              </span>
              <select
                id="sim-link"
                name="link_code"
                defaultValue=""
                aria-describedby={
                  errors.link_code ? "sim-link-hint sim-link-error" : "sim-link-hint"
                }
                aria-invalid={errors.link_code ? true : undefined}
              >
                <option value="">No link</option>
                {options.links.map((l) => (
                  <option key={l.link_code} value={l.link_code}>
                    {l.affiliate_name} — {l.campaign_name} (/r/{l.link_code})
                  </option>
                ))}
              </select>
              {errors.link_code ? (
                <span className="error" id="sim-link-error">
                  {errors.link_code}
                </span>
              ) : null}
            </div>
          </div>
          <button type="submit" className="primary" name="intent" value="checkout" disabled={busy}>
            {busy ? "Paying…" : "Pay at Checkout"}
          </button>
        </Form>
      </section>

      {purchase ? (
        <section className="card" aria-labelledby="sim-result" aria-live="polite">
          <h2 id="sim-result">Result</h2>
          <p className="small muted mono">
            Checkout Session {purchase.session}
            {purchase.invoice ? ` · Invoice ${purchase.invoice}` : ""}
          </p>
          {conversion ? (
            <>
              <dl className="details">
                <dt>Source</dt>
                <dd>
                  {conversion.attributionMethod === "coupon"
                    ? `Coupon · ${conversion.couponCode ?? ""}`
                    : conversion.attributionMethod === "link"
                      ? "Link"
                      : "S2S"}
                </dd>
                <dt>Affiliate</dt>
                <dd>{conversion.affiliateName ?? "—"}</dd>
                <dt>Amount</dt>
                <dd>{formatMoney(conversion.amount, conversion.currency)}</dd>
                <dt>Commission</dt>
                <dd>{formatMoney(conversion.commissionAmount, conversion.currency)}</dd>
                <dt>Status</dt>
                <dd>
                  <ConversionStatusBadge status={conversion.status as ConversionStatus} />
                  {conversion.refundedAmount > 0
                    ? ` (${formatMoney(conversion.refundedAmount, conversion.currency)} refunded)`
                    : null}
                </dd>
              </dl>
              <p>
                <Link to={`/app/conversions/${conversion.id}`}>Open this conversion</Link>
              </p>
              {refunding ? (
                <p role="status">Refund sent to Stripe. Waiting for the refund to be applied…</p>
              ) : null}
              {conversion.paymentIntentId && conversion.status !== "refunded" ? (
                <Form method="post" className="row">
                  <CsrfInput />
                  <input type="hidden" name="payment_intent" value={conversion.paymentIntentId} />
                  <button
                    type="submit"
                    name="intent"
                    value="refund"
                    className="danger"
                    disabled={busy || refunding}
                  >
                    {refunding ? "Refunding…" : "Refund in full"}
                  </button>
                </Form>
              ) : null}
              {actionData?.refundError ? <FormError>{actionData.refundError}</FormError> : null}
            </>
          ) : waiting && Date.now() - startedAt <= 30_000 ? (
            <p role="status">Payment done. Waiting for Stripe&apos;s events to be attributed…</p>
          ) : (
            <p className="muted">
              No conversion was recorded: the purchase carried no affiliate code or link.
            </p>
          )}
        </section>
      ) : null}
    </div>
  );
}
