import { resourceMissing } from "../errors.js";
import { LIST_KEYS, type Route } from "../emulator.js";
import { newId, nowSeconds, randomString } from "../ids.js";
import { mergeMetadata, newMetadata, Params } from "../params.js";
import { listOptions, render, renderList } from "../render.js";
import type { Account } from "../state.js";
import type { CustomerObject, Metadata } from "../types.js";

export function createCustomer(
  account: Account,
  input: {
    email?: string | null;
    name?: string | null;
    description?: string | null;
    metadata?: Metadata;
  },
): CustomerObject {
  const customer: CustomerObject = {
    id: newId("cus", 14),
    object: "customer",
    address: null,
    balance: 0,
    created: nowSeconds(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: input.description ?? null,
    email: input.email ?? null,
    invoice_prefix: randomString(8, "0123456789ABCDEF"),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: account.livemode,
    metadata: input.metadata ?? {},
    name: input.name ?? null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
  account.customers.set(customer.id, customer);
  return customer;
}

export function getCustomer(account: Account, id: string, param = "id", status: 404 | 400 = 404) {
  const customer = account.customers.get(id);
  if (!customer) throw resourceMissing("customer", id, param, status);
  return customer;
}

export const customerRoutes: Route[] = [
  {
    method: "POST",
    pattern: /^\/v1\/customers$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, ["email", "name", "description", "metadata", "phone"]);
      const customer = createCustomer(ctx.account, {
        email: p.emptyableStr("email"),
        name: p.emptyableStr("name"),
        description: p.emptyableStr("description"),
        metadata: newMetadata(p.metadata()),
      });
      ctx.emulator.emit(ctx.account, "customer.created", customer);
      return render(ctx.account, customer, ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/customers$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, [...LIST_KEYS, "email"]);
      const email = p.str("email");
      const items = [...ctx.account.customers.values()].filter(
        (c) => email === undefined || c.email === email,
      );
      return renderList(ctx.account, items, ctx.path, listOptions(p), ctx.expand);
    },
  },
  {
    method: "GET",
    pattern: /^\/v1\/customers\/([^/]+)$/,
    handler: (ctx) => {
      new Params(ctx.params, []);
      return render(ctx.account, getCustomer(ctx.account, ctx.pathParams[0]), ctx.expand);
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/customers\/([^/]+)$/,
    handler: (ctx) => {
      const p = new Params(ctx.params, ["email", "name", "description", "metadata", "phone"]);
      const customer = getCustomer(ctx.account, ctx.pathParams[0]);
      const email = p.emptyableStr("email");
      const name = p.emptyableStr("name");
      const description = p.emptyableStr("description");
      const metadata = p.metadata();
      if (email !== undefined) customer.email = email;
      if (name !== undefined) customer.name = name;
      if (description !== undefined) customer.description = description;
      customer.metadata = mergeMetadata(customer.metadata, metadata);
      ctx.emulator.emit(ctx.account, "customer.updated", customer);
      return render(ctx.account, customer, ctx.expand);
    },
  },
];
