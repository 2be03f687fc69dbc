import { resourceMissing } from "../errors.js";
import { LIST_KEYS, type Route } from "../emulator.js";
import { Params } from "../params.js";
import { listOptions, render, renderList } from "../render.js";

export const checkoutSessionRoutes: Route[] = [
  {
    method: "GET",
    pattern: /^\/v1\/checkout\/sessions\/([^/]+)$/,
    handler: (ctx) => {
      new Params(ctx.params, []);
      const session = ctx.account.checkoutSessions.get(ctx.pathParams[0]);
      if (!session) throw resourceMissing("checkout.session", ctx.pathParams[0]);
      return render(ctx.account, session, ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/checkout\/sessions$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [
        ...LIST_KEYS,
        "customer",
        "payment_intent",
        "subscription",
        "status",
        "payment_link",
        "customer_details",
      ]);
      const customer = p.str("customer");
      const paymentIntent = p.str("payment_intent");
      const subscription = p.str("subscription");
      const status = p.enumOf("status", ["complete", "expired", "open"] as const);
      const email = p.obj("customer_details", ["email"])?.str("email", { required: true });
      const items = [...ctx.account.checkoutSessions.values()].filter(
        (s) =>
          (customer === undefined || s.customer === customer) &&
          (paymentIntent === undefined || s.payment_intent === paymentIntent) &&
          (subscription === undefined || s.subscription === subscription) &&
          (status === undefined || s.status === status) &&
          (email === undefined || s.customer_details.email === email),
      );
      return renderList(ctx.account, items, ctx.path, listOptions(p), ctx.expand);
    },
  },
];
