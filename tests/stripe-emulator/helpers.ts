import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import type { StripeEmulator } from "../../tools/stripe-emulator/index.js";

/** A fresh API key = a fresh, isolated emulator account. */
export function newKey(prefix: "sk_test_" | "rk_test_" | "sk_live_" | "rk_live_" = "rk_test_") {
  return `${prefix}${randomBytes(12).toString("hex")}`;
}

export function sdk(emu: StripeEmulator, key: string): Stripe {
  return new Stripe(key, {
    host: "127.0.0.1",
    port: emu.port,
    protocol: "http",
    maxNetworkRetries: 0,
  });
}

export interface Received {
  event: Stripe.Event;
  raw: string;
  signature: string;
}

/** A tiny webhook receiver that verifies signatures with the real SDK. */
export class WebhookReceiver {
  received: Received[] = [];
  rejected: { raw: string; error: string }[] = [];
  /** Respond with this status to the next N requests (for retry tests). */
  failNext = 0;
  secret = "";
  url = "";
  private server: Server | null = null;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        if (this.failNext > 0) {
          this.failNext -= 1;
          res.writeHead(500).end("nope");
          return;
        }
        const signature = String(req.headers["stripe-signature"] ?? "");
        try {
          const event = Stripe.webhooks.constructEvent(raw, signature, this.secret);
          this.received.push({ event, raw, signature });
          res.writeHead(200, { "content-type": "application/json" }).end('{"received":true}');
        } catch (err) {
          this.rejected.push({ raw, error: err instanceof Error ? err.message : String(err) });
          res.writeHead(400).end("bad signature");
        }
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/webhooks/stripe/brand_1`;
    return this;
  }

  types(): string[] {
    return this.received.map((r) => r.event.type);
  }

  clear(): void {
    this.received = [];
    this.rejected = [];
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }
}

export const REKOMI_EVENTS = [
  "invoice.paid",
  "invoice_payment.paid",
  "customer.subscription.created",
  "checkout.session.completed",
  "charge.refunded",
  "promotion_code.updated",
  "coupon.deleted",
];

/** Registers the receiver on the key's account the way Rekomi's connection service does. */
export async function connect(
  stripe: Stripe,
  receiver: WebhookReceiver,
  events: string[] = REKOMI_EVENTS,
): Promise<Stripe.WebhookEndpoint> {
  const endpoint = await stripe.webhookEndpoints.create({
    url: receiver.url,
    enabled_events: events as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
    api_version: Stripe.API_VERSION as Stripe.WebhookEndpointCreateParams.ApiVersion,
  });
  receiver.secret = endpoint.secret ?? "";
  return endpoint;
}
