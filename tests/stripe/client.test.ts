import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  STRIPE_API_VERSION,
  stripeClient,
  stripeConnectionOptions,
  stripeErrorMessage,
} from "../../app/stripe/client.server";
import { testConfig } from "../helpers/context";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe("stripeClient", () => {
  let server: http.Server;
  let base: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
        res.setHeader("Content-Type", "application/json");
        res.setHeader("Request-Id", "req_test");
        if (req.url?.startsWith("/v1/coupons/missing")) {
          res.statusCode = 404;
          res.end(
            JSON.stringify({
              error: {
                type: "invalid_request_error",
                code: "resource_missing",
                message: "No such coupon: 'missing'",
              },
            }),
          );
          return;
        }
        res.end(JSON.stringify({ id: "cus_123", object: "customer", livemode: false }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it("pins the SDK's own API version", () => {
    expect(STRIPE_API_VERSION).toBe("2026-10-28.endive");
  });

  it("sends every call to STRIPE_API_BASE with the brand's key and the pinned Stripe-Version", async () => {
    const config = testConfig({ STRIPE_API_BASE: base });
    const stripe = stripeClient(config, "rk_test_brandKeyAaaa1111");
    const customer = await stripe.customers.retrieve("cus_123");
    expect(customer.id).toBe("cus_123");
    const last = seen.at(-1)!;
    expect(last.method).toBe("GET");
    expect(last.url).toBe("/v1/customers/cus_123");
    expect(last.headers.authorization).toBe("Bearer rk_test_brandKeyAaaa1111");
    expect(last.headers["stripe-version"]).toBe("2026-10-28.endive");

    // Another brand's key goes out with that brand's key.
    await stripeClient(config, "sk_test_otherBrandBbbb2222").customers.create({
      email: "a@example.com",
    });
    const next = seen.at(-1)!;
    expect(next.method).toBe("POST");
    expect(next.headers.authorization).toBe("Bearer sk_test_otherBrandBbbb2222");
    expect(next.headers["stripe-version"]).toBe("2026-10-28.endive");
    expect(next.body).toBe("email=a%40example.com");
  });

  it("surfaces Stripe's error message", async () => {
    const stripe = stripeClient(testConfig({ STRIPE_API_BASE: base }), "rk_test_brandKeyAaaa1111");
    const error = await stripe.coupons.retrieve("missing").catch((e: unknown) => e);
    expect(stripeErrorMessage(error)).toBe("No such coupon: 'missing'");
  });

  it("caches one client per key and API base", () => {
    const config = testConfig({ STRIPE_API_BASE: base });
    const a = stripeClient(config, "rk_test_cacheKey00001");
    expect(stripeClient(config, "rk_test_cacheKey00001")).toBe(a);
    expect(stripeClient(config, "rk_test_cacheKey00002")).not.toBe(a);
    expect(stripeClient(testConfig(), "rk_test_cacheKey00001")).not.toBe(a);
  });

  it("parses STRIPE_API_BASE into host, port and protocol", () => {
    expect(stripeConnectionOptions(testConfig())).toEqual({});
    expect(
      stripeConnectionOptions(testConfig({ STRIPE_API_BASE: "http://127.0.0.1:12111" })),
    ).toEqual({
      host: "127.0.0.1",
      port: 12111,
      protocol: "http",
    });
    expect(
      stripeConnectionOptions(testConfig({ STRIPE_API_BASE: "https://stripe.internal.example" })),
    ).toEqual({
      host: "stripe.internal.example",
      port: 443,
      protocol: "https",
    });
    const prod = { stripeApiBase: "http://stripe.example.com:8080", isProduction: true };
    expect(() => stripeConnectionOptions(prod)).toThrow(/loopback/);
    expect(
      stripeConnectionOptions({ ...prod, stripeApiBase: "http://localhost:8080" }).protocol,
    ).toBe("http");
  });
});
