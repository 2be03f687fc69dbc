/**
 * Stripe emulator: a stateful, in-memory Stripe for dev and tests (DESIGN.md section 6).
 *
 *   const emu = await startStripeEmulator({ port: 0 });
 *   const stripe = new Stripe("rk_test_x", { host: "127.0.0.1", port: emu.port, protocol: "http" });
 *   await emu.checkout({ api_key: "rk_test_x", amount: 2000, currency: "usd", promotion_code: "JANE" });
 *   await emu.close();
 */
import type { AddressInfo } from "node:net";
import {
  dumpState,
  getConfig,
  listDeliveries,
  setConfig,
  type DeliveryFilter,
  type EmulatorConfig,
} from "./control.js";
import { Emulator, type EmulatorOptions } from "./emulator.js";
import type { DeliveryRecord, RetryOptions } from "./events.js";
import type { PauseMode } from "./pause.js";
import { createEmulatorServer } from "./server.js";
import {
  simulateCheckout,
  simulateRefund,
  simulateRenewal,
  type CheckoutInput,
  type CheckoutResult,
  type RefundSimInput,
  type RefundSimResult,
  type RenewalInput,
  type RenewalResult,
} from "./simulate.js";

export { Emulator } from "./emulator.js";
export type { EmulatorOptions } from "./emulator.js";
export { API_VERSION } from "./state.js";
export { signPayload } from "./events.js";
export type { DeliveryRecord, DeliveryAttempt, RetryOptions } from "./events.js";
export type { DeliveryFilter, EmulatorConfig } from "./control.js";
export type {
  CheckoutInput,
  CheckoutResult,
  RenewalInput,
  RenewalResult,
  RefundSimInput,
  RefundSimResult,
  EventRef,
  DeliverySummary,
} from "./simulate.js";
export { createEmulatorClient, type EmulatorClient } from "./client.js";

export interface StartStripeEmulatorOptions extends EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Log one line per HTTP request. */
  log?: (line: string) => void;
}

export interface StripeEmulator {
  /** e.g. `http://127.0.0.1:12111` */
  url: string;
  host: string;
  port: number;
  /** The in-memory core (accounts, dispatcher) for advanced use. */
  emulator: Emulator;
  /** SDK options pointing at this emulator: `new Stripe(key, { ...emu.stripeOptions })`. */
  stripeOptions: { host: string; port: number; protocol: "http"; maxNetworkRetries: 0 };
  close(): Promise<void>;
  checkout(input: CheckoutInput): Promise<CheckoutResult>;
  renewal(input: RenewalInput): Promise<RenewalResult>;
  refund(input: RefundSimInput): Promise<RefundSimResult>;
  deliveries(filter?: DeliveryFilter): DeliveryRecord[];
  state(apiKey?: string): Record<string, unknown>;
  /** Drops all objects and deliveries (of one account when a key is given). */
  reset(apiKey?: string): void;
  /** Makes `alias` act on the same account as `apiKey`. */
  alias(alias: string, apiKey: string): void;
  /** Sends queued deliveries (when `deliver: false`). */
  flush(opts?: { duplicateAndShuffle?: boolean }): Promise<DeliveryRecord[]>;
  /** Resolves when no webhook delivery is in flight. */
  waitForDeliveries(): Promise<void>;
  setDeliver(deliver: boolean): void;
  /** Hold every Stripe API request ("before" Stripe acts, or "after": only the answer). */
  pause(mode?: PauseMode): void;
  /** Release held requests (answers arrive late), or cut their connections (`drop`). */
  resume(opts?: { drop?: boolean }): number;
  /** Requests currently held by a pause. */
  held(): number;
  configure(update: {
    deliver?: boolean;
    retry?: { max_attempts?: number; backoff_ms?: number[] };
    delivery_timeout_ms?: number;
  }): EmulatorConfig;
}

/** Starts the emulator's HTTP server (Stripe `/v1` API + `/_emulator` control API). */
export async function startStripeEmulator(
  opts: StartStripeEmulatorOptions = {},
): Promise<StripeEmulator> {
  const host = opts.host ?? "127.0.0.1";
  const emulator = new Emulator(opts);
  const server = createEmulatorServer(emulator, { log: opts.log });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closed: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    emulator,
    stripeOptions: { host, port, protocol: "http", maxNetworkRetries: 0 },
    close() {
      emulator.gate.resume({ drop: true });
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
    checkout: (input) => simulateCheckout(emulator, input),
    renewal: (input) => simulateRenewal(emulator, input),
    refund: (input) => simulateRefund(emulator, input),
    deliveries: (filter) => listDeliveries(emulator, filter),
    state: (apiKey) => dumpState(emulator, apiKey),
    reset: (apiKey) => emulator.reset(apiKey),
    alias: (alias, apiKey) => {
      emulator.accounts.alias(alias, apiKey);
    },
    flush: (o) => emulator.dispatcher.flush(o),
    waitForDeliveries: () => emulator.dispatcher.idle(),
    setDeliver: (deliver) => {
      emulator.dispatcher.enabled = deliver;
    },
    pause: (mode = "before") => emulator.gate.pause(mode),
    resume: (o) => emulator.gate.resume(o),
    held: () => emulator.gate.held,
    configure: (update) => setConfig(emulator, update),
  };
}

export { getConfig };
export type { RetryOptions as EmulatorRetryOptions };
