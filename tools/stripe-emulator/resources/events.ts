import { resourceMissing } from "../errors.js";
import { LIST_KEYS, type Route } from "../emulator.js";
import { Params } from "../params.js";
import { listOptions, render, renderList } from "../render.js";

/** `stripe.events.retrieve` / `stripe.events.list` (type filter, `type: "invoice.*"` wildcard). */
export const eventRoutes: Route[] = [
  {
    method: "GET",
    pattern: /^\/v1\/events\/([^/]+)$/,
    handler: (ctx) => {
      new Params(ctx.params, []);
      const event = ctx.account.events.get(ctx.pathParams[0]);
      if (!event) throw resourceMissing("event", ctx.pathParams[0]);
      return render(ctx.account, event, []);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/events$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [...LIST_KEYS, "type", "types", "delivery_success"]);
      const type = p.str("type");
      const types = p.strArray("types");
      const matches = (t: string) => {
        if (type === undefined) return true;
        if (type.endsWith(".*")) return t.startsWith(type.slice(0, -1));
        return t === type;
      };
      const items = [...ctx.account.events.values()].filter(
        (e) => matches(e.type) && (types === undefined || types.includes(e.type)),
      );
      return renderList(ctx.account, items, ctx.path, listOptions(p), []);
    },
  },
];
