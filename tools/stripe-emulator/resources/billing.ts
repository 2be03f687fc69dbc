import { resourceMissing } from "../errors.js";
import { LIST_KEYS, type Route } from "../emulator.js";
import { Params } from "../params.js";
import { listOptions, render, renderList } from "../render.js";

/** Read-only routes for subscriptions, invoices (and their lines) and invoice payments. */
export const billingRoutes: Route[] = [
  {
    method: "GET",
    pattern: /^\/v1\/subscriptions\/([^/]+)$/,
    handler: (ctx) => {
      new Params(ctx.params, []);
      const sub = ctx.account.subscriptions.get(ctx.pathParams[0]);
      if (!sub) throw resourceMissing("subscription", ctx.pathParams[0]);
      return render(ctx.account, sub, ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/subscriptions$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [...LIST_KEYS, "customer", "status", "price"]);
      const customer = p.str("customer");
      const status = p.str("status");
      const items = [...ctx.account.subscriptions.values()].filter(
        (s) =>
          (customer === undefined || s.customer === customer) &&
          (status === undefined || status === "all" || s.status === status),
      );
      return renderList(ctx.account, items, ctx.path, listOptions(p), ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/invoices\/([^/]+)$/,
    handler: (ctx) => {
      new Params(ctx.params, []);
      const invoice = ctx.account.invoices.get(ctx.pathParams[0]);
      if (!invoice) throw resourceMissing("invoice", ctx.pathParams[0]);
      return render(ctx.account, invoice, ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/invoices\/([^/]+)\/lines$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [...LIST_KEYS]);
      const invoice = ctx.account.invoices.get(ctx.pathParams[0]);
      if (!invoice) throw resourceMissing("invoice", ctx.pathParams[0]);
      // Lines are kept in display order; renderList shows newest first, so feed it reversed.
      const lines = [...invoice.lines.data].reverse();
      return renderList(ctx.account, lines, ctx.path, listOptions(p), ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/invoices$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [...LIST_KEYS, "customer", "subscription", "status"]);
      const customer = p.str("customer");
      const subscription = p.str("subscription");
      const status = p.str("status");
      const items = [...ctx.account.invoices.values()].filter(
        (i) =>
          (customer === undefined || i.customer === customer) &&
          (subscription === undefined ||
            i.parent.subscription_details.subscription === subscription) &&
          (status === undefined || i.status === status),
      );
      return renderList(ctx.account, items, ctx.path, listOptions(p), ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/invoice_payments\/([^/]+)$/,
    handler: (ctx) => {
      new Params(ctx.params, []);
      const payment = ctx.account.invoicePayments.get(ctx.pathParams[0]);
      if (!payment) throw resourceMissing("invoice payment", ctx.pathParams[0]);
      return render(ctx.account, payment, ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/invoice_payments$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [...LIST_KEYS, "invoice", "payment", "status"]);
      const invoice = p.str("invoice");
      const status = p.str("status");
      const payment = p.obj("payment", ["type", "payment_intent", "payment_record"]);
      const type = payment?.enumOf("type", ["payment_intent", "payment_record"] as const, {
        required: true,
      });
      const paymentIntent = payment?.str(
        type === "payment_intent" ? "payment_intent" : "payment_record",
        {
          required: true,
        },
      );
      const items = [...ctx.account.invoicePayments.values()].filter(
        (ip) =>
          (invoice === undefined || ip.invoice === invoice) &&
          (status === undefined || ip.status === status) &&
          (payment === undefined ||
            (type === "payment_intent" && ip.payment.payment_intent === paymentIntent)),
      );
      return renderList(ctx.account, items, ctx.path, listOptions(p), ctx.expand);
    },
  },
];
