/** A typed HTTP client for the control API, for processes that don't host the emulator. */
import type { DeliveryFilter, EmulatorConfig } from "./control.js";
import type { DeliveryRecord } from "./events.js";
import type {
  CheckoutInput,
  CheckoutResult,
  RefundSimInput,
  RefundSimResult,
  RenewalInput,
  RenewalResult,
} from "./simulate.js";

export class EmulatorControlError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    const message =
      typeof body === "object" &&
      body !== null &&
      "error" in body &&
      typeof body.error === "object" &&
      body.error !== null &&
      "message" in body.error &&
      typeof body.error.message === "string"
        ? body.error.message
        : `Emulator control call failed with HTTP ${status}`;
    super(message);
    this.name = "EmulatorControlError";
    this.status = status;
    this.body = body;
  }
}

export interface EmulatorClient {
  checkout(input: CheckoutInput): Promise<CheckoutResult>;
  renewal(input: RenewalInput): Promise<RenewalResult>;
  refund(input: RefundSimInput): Promise<RefundSimResult>;
  deliveries(filter?: DeliveryFilter & { include_payload?: boolean }): Promise<DeliveryRecord[]>;
  state(apiKey?: string): Promise<Record<string, unknown>>;
  reset(apiKey?: string): Promise<void>;
  flush(opts?: { duplicate_and_shuffle?: boolean }): Promise<DeliveryRecord[]>;
  wait(): Promise<void>;
  alias(alias: string, apiKey: string): Promise<void>;
  configure(update: {
    deliver?: boolean;
    retry?: { max_attempts?: number; backoff_ms?: number[] };
    delivery_timeout_ms?: number;
  }): Promise<EmulatorConfig>;
}

/** `baseUrl` is the emulator's URL, e.g. `http://127.0.0.1:12111`. */
export function createEmulatorClient(baseUrl: string): EmulatorClient {
  const base = baseUrl.replace(/\/+$/, "");
  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (!res.ok) throw new EmulatorControlError(res.status, parsed);
    return parsed as T;
  }
  const query = (params: Record<string, string | boolean | undefined>): string => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
    const s = q.toString();
    return s ? `?${s}` : "";
  };
  return {
    checkout: (input) => call("POST", "/_emulator/checkout", input),
    renewal: (input) => call("POST", "/_emulator/renewal", input),
    refund: (input) => call("POST", "/_emulator/refund", input),
    deliveries: async (filter = {}) =>
      (
        await call<{ data: DeliveryRecord[] }>(
          "GET",
          `/_emulator/deliveries${query({ ...filter })}`,
        )
      ).data,
    state: (apiKey) => call("GET", `/_emulator/state${query({ api_key: apiKey })}`),
    reset: async (apiKey) => {
      await call("POST", "/_emulator/reset", apiKey ? { api_key: apiKey } : {});
    },
    flush: async (opts = {}) =>
      (await call<{ data: DeliveryRecord[] }>("POST", "/_emulator/flush", opts)).data,
    wait: async () => {
      await call("POST", "/_emulator/wait", {});
    },
    alias: async (alias, apiKey) => {
      await call("POST", "/_emulator/alias", { alias, api_key: apiKey });
    },
    configure: (update) => call("POST", "/_emulator/config", update),
  };
}
