import { invalidRequest, resourceMissing } from "../errors.js";
import { createEvent } from "../events.js";
import { LIST_KEYS, type Route } from "../emulator.js";
import { newId, nowSeconds } from "../ids.js";
import { newMetadata, Params } from "../params.js";
import { listOptions, render, renderList } from "../render.js";
import type { Account } from "../state.js";
import type { ChargeObject, EventObject, Metadata, RefundObject } from "../types.js";

export interface RefundInput {
  charge?: string;
  payment_intent?: string;
  amount?: number;
  reason?: RefundObject["reason"];
  metadata?: Metadata;
}

/**
 * Refunds a charge (found directly or via its payment intent), updates the cumulative
 * `amount_refunded`/`refunded`, and creates (without delivering) `refund.created` and
 * `charge.refunded`.
 */
export function createRefund(
  account: Account,
  input: RefundInput,
  paramStatus: 400 | 404 = 400,
): { refund: RefundObject; charge: ChargeObject; events: EventObject[] } {
  let charge: ChargeObject | undefined;
  if (input.charge !== undefined && input.payment_intent !== undefined) {
    throw invalidRequest(
      "You may only specify one of these parameters: charge, payment_intent.",
      "charge",
      "parameters_exclusive",
    );
  }
  if (input.charge !== undefined) {
    charge = account.charges.get(input.charge);
    if (!charge) throw resourceMissing("charge", input.charge, "charge", paramStatus);
  } else if (input.payment_intent !== undefined) {
    const pi = account.paymentIntents.get(input.payment_intent);
    if (!pi)
      throw resourceMissing("payment_intent", input.payment_intent, "payment_intent", paramStatus);
    charge = pi.latest_charge ? account.charges.get(pi.latest_charge) : undefined;
    if (!charge) {
      throw invalidRequest(
        `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
        "payment_intent",
      );
    }
  } else {
    throw invalidRequest(
      "One of the following params should be provided for this request: payment_intent or charge.",
      undefined,
      "parameter_missing",
    );
  }
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining <= 0) {
    throw invalidRequest(
      `Charge ${charge.id} has already been refunded.`,
      undefined,
      "charge_already_refunded",
    );
  }
  const amount = input.amount ?? remaining;
  if (amount <= 0) throw invalidRequest("Invalid positive integer", "amount");
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
      "amount",
      "amount_too_large",
    );
  }
  const refund: RefundObject = {
    id: newId("re", 24),
    object: "refund",
    amount,
    balance_transaction: newId("txn", 24),
    charge: charge.id,
    created: nowSeconds(),
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    metadata: input.metadata ?? {},
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason: input.reason ?? null,
    receipt_number: null,
    source_transfer_reversal: null,
    status: "succeeded",
    transfer_reversal: null,
  };
  account.refunds.set(refund.id, refund);
  const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount;
  const events = [
    createEvent(account, "refund.created", refund),
    createEvent(account, "charge.refunded", charge, previous),
  ];
  return { refund, charge, events };
}

export const paymentRoutes: Route[] = [
  {
    method: "GET",
    pattern: /^\/v1\/payment_intents\/([^/]+)$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, ["client_secret"]);
      p.str("client_secret");
      const pi = ctx.account.paymentIntents.get(ctx.pathParams[0]);
      if (!pi) throw resourceMissing("payment_intent", ctx.pathParams[0]);
      return render(ctx.account, pi, ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/payment_intents$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [...LIST_KEYS, "customer"]);
      const customer = p.str("customer");
      const items = [...ctx.account.paymentIntents.values()].filter(
        (pi) => customer === undefined || pi.customer === customer,
      );
      return renderList(ctx.account, items, ctx.path, listOptions(p), ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/charges\/([^/]+)$/,
    handler: (ctx) => {
      new Params(ctx.params, []);
      const charge = ctx.account.charges.get(ctx.pathParams[0]);
      if (!charge) throw resourceMissing("charge", ctx.pathParams[0]);
      return render(ctx.account, charge, ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/charges$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [...LIST_KEYS, "customer", "payment_intent"]);
      const customer = p.str("customer");
      const paymentIntent = p.str("payment_intent");
      const items = [...ctx.account.charges.values()].filter(
        (c) =>
          (customer === undefined || c.customer === customer) &&
          (paymentIntent === undefined || c.payment_intent === paymentIntent),
      );
      return renderList(ctx.account, items, ctx.path, listOptions(p), ctx.expand);
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/refunds$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [
        "amount",
        "charge",
        "payment_intent",
        "reason",
        "metadata",
        "instructions_email",
        "refund_application_fee",
        "reverse_transfer",
      ]);
      const { refund, events } = createRefund(ctx.account, {
        amount: p.int("amount", { min: 1 }),
        charge: p.str("charge"),
        payment_intent: p.str("payment_intent"),
        reason: p.enumOf("reason", ["duplicate", "fraudulent", "requested_by_customer"] as const),
        metadata: newMetadata(p.metadata()),
      });
      void ctx.emulator.deliver(ctx.account, events);
      return render(ctx.account, refund, ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/refunds\/([^/]+)$/,
    handler: (ctx) => {
      new Params(ctx.params, []);
      const refund = ctx.account.refunds.get(ctx.pathParams[0]);
      if (!refund) throw resourceMissing("refund", ctx.pathParams[0]);
      return render(ctx.account, refund, ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/refunds$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [...LIST_KEYS, "charge", "payment_intent"]);
      const charge = p.str("charge");
      const paymentIntent = p.str("payment_intent");
      const items = [...ctx.account.refunds.values()].filter(
        (r) =>
          (charge === undefined || r.charge === charge) &&
          (paymentIntent === undefined || r.payment_intent === paymentIntent),
      );
      return renderList(ctx.account, items, ctx.path, listOptions(p), ctx.expand);
    },
  },
];
