/**
 * The emulator's control API (`/_emulator/...`): JSON in, JSON out, no Stripe auth, but every
 * call that touches an account names it with `api_key`.
 */
import { z } from "zod";
import type { Emulator } from "./emulator.js";
import { invalidRequest, StripeApiError } from "./errors.js";
import type { DeliveryRecord } from "./events.js";
import {
  simulateCheckout,
  simulateRefund,
  simulateRenewal,
  type CheckoutInput,
  type RefundSimInput,
  type RenewalInput,
} from "./simulate.js";
import { isValidApiKey } from "./state.js";

const apiKey = z.string().refine(isValidApiKey, {
  message: "api_key must look like sk_test_..., rk_test_..., sk_live_... or rk_live_...",
});
const metadata = z.record(z.string(), z.string());

export const checkoutSchema = z.strictObject({
  api_key: apiKey,
  mode: z.enum(["subscription", "payment"]).optional(),
  amount: z.number().int().nonnegative(),
  currency: z.string().regex(/^[a-zA-Z]{3}$/),
  interval: z.enum(["day", "week", "month", "year"]).optional(),
  promotion_code: z.string().min(1).optional(),
  client_reference_id: z.string().max(200).optional(),
  customer: z.string().optional(),
  customer_email: z.string().optional(),
  customer_name: z.string().optional(),
  customer_metadata: metadata.optional(),
  metadata: metadata.optional(),
  tax_percent_bps: z.number().int().nonnegative().max(100_000).optional(),
  tax_amount: z.number().int().nonnegative().optional(),
  duplicate_and_shuffle: z.boolean().optional(),
  wait: z.boolean().optional(),
}) satisfies z.ZodType<CheckoutInput>;

export const renewalSchema = z.strictObject({
  api_key: apiKey,
  subscription: z.string().min(1),
  duplicate_and_shuffle: z.boolean().optional(),
  wait: z.boolean().optional(),
}) satisfies z.ZodType<RenewalInput>;

export const refundSchema = z
  .strictObject({
    api_key: apiKey,
    payment_intent: z.string().min(1).optional(),
    charge: z.string().min(1).optional(),
    amount: z.number().int().positive().optional(),
    reason: z.enum(["duplicate", "fraudulent", "requested_by_customer"]).nullable().optional(),
    duplicate_and_shuffle: z.boolean().optional(),
    wait: z.boolean().optional(),
  })
  .refine((v) => (v.payment_intent === undefined) !== (v.charge === undefined), {
    message: "Pass exactly one of payment_intent or charge.",
    path: ["payment_intent"],
  }) satisfies z.ZodType<RefundSimInput>;

const resetSchema = z.strictObject({ api_key: apiKey.optional() });
const pauseSchema = z.strictObject({ mode: z.enum(["before", "after"]).optional() });
const resumeSchema = z.strictObject({ drop: z.boolean().optional() });
const flushSchema = z.strictObject({ duplicate_and_shuffle: z.boolean().optional() });
const aliasSchema = z.strictObject({ api_key: apiKey, alias: apiKey });
const configSchema = z.strictObject({
  deliver: z.boolean().optional(),
  retry: z
    .strictObject({
      max_attempts: z.number().int().min(1).max(20).optional(),
      backoff_ms: z.array(z.number().int().nonnegative()).optional(),
    })
    .optional(),
  delivery_timeout_ms: z.number().int().positive().optional(),
});

export interface DeliveryFilter {
  api_key?: string;
  event_id?: string;
  event_type?: string;
  endpoint_id?: string;
  status?: DeliveryRecord["status"];
}

export interface EmulatorConfig {
  deliver: boolean;
  retry: { max_attempts: number; backoff_ms: number[] };
  delivery_timeout_ms: number;
}

/** Delivery log entries, optionally filtered (by account key, event, type, endpoint or status). */
export function listDeliveries(emulator: Emulator, filter: DeliveryFilter = {}): DeliveryRecord[] {
  const accountId = filter.api_key ? emulator.accounts.peek(filter.api_key)?.id : undefined;
  if (filter.api_key && !accountId) return [];
  return emulator.dispatcher.deliveries.filter(
    (d) =>
      (accountId === undefined || d.account_id === accountId) &&
      (filter.event_id === undefined || d.event_id === filter.event_id) &&
      (filter.event_type === undefined || d.event_type === filter.event_type) &&
      (filter.endpoint_id === undefined || d.endpoint_id === filter.endpoint_id) &&
      (filter.status === undefined || d.status === filter.status),
  );
}

export function dumpState(emulator: Emulator, key?: string): Record<string, unknown> {
  const accounts = key
    ? [emulator.accounts.peek(key)].filter((a) => a !== undefined)
    : emulator.accounts.all();
  return {
    config: getConfig(emulator),
    accounts: accounts.map((a) => a.dump()),
    deliveries: listDeliveries(emulator, { api_key: key }).map((d) => ({
      ...d,
      payload: undefined,
    })),
    queued: emulator.dispatcher.queued().length,
  };
}

export function getConfig(emulator: Emulator): EmulatorConfig {
  const d = emulator.dispatcher;
  return {
    deliver: d.enabled,
    retry: { max_attempts: d.retry.maxAttempts, backoff_ms: [...d.retry.backoffMs] },
    delivery_timeout_ms: d.timeoutMs,
  };
}

export function setConfig(
  emulator: Emulator,
  update: Partial<{
    deliver: boolean;
    retry: { max_attempts?: number; backoff_ms?: number[] };
    delivery_timeout_ms: number;
  }>,
): EmulatorConfig {
  const d = emulator.dispatcher;
  if (update.deliver !== undefined) d.enabled = update.deliver;
  if (update.retry?.max_attempts !== undefined) d.retry.maxAttempts = update.retry.max_attempts;
  if (update.retry?.backoff_ms !== undefined) d.retry.backoffMs = update.retry.backoff_ms;
  if (update.delivery_timeout_ms !== undefined) d.timeoutMs = update.delivery_timeout_ms;
  return getConfig(emulator);
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue.path.map(String).join(".") || undefined;
    const message =
      issue.code === "unrecognized_keys"
        ? `Received unknown parameter: ${issue.keys.join(", ")}`
        : `${param ? `Invalid ${param}: ` : ""}${issue.message}`;
    throw invalidRequest(
      message,
      issue.code === "unrecognized_keys" ? issue.keys[0] : param,
      issue.code === "unrecognized_keys" ? "parameter_unknown" : "parameter_invalid",
    );
  }
  return result.data;
}

export interface ControlResponse {
  status: number;
  body: unknown;
}

/** Handles one control request. `body` is the parsed JSON body (or undefined for GET). */
export async function handleControl(
  emulator: Emulator,
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
): Promise<ControlResponse> {
  const route = `${method} ${path.replace(/\/+$/, "")}`;
  try {
    switch (route) {
      case "GET /_emulator":
      case "GET /_emulator/health":
        return { status: 200, body: { ok: true } };
      case "POST /_emulator/checkout":
        return { status: 200, body: await simulateCheckout(emulator, parse(checkoutSchema, body)) };
      case "POST /_emulator/renewal":
        return { status: 200, body: await simulateRenewal(emulator, parse(renewalSchema, body)) };
      case "POST /_emulator/refund": {
        const input = parse(refundSchema, body);
        return {
          status: 200,
          body: await simulateRefund(emulator, { ...input, reason: input.reason ?? undefined }),
        };
      }
      case "GET /_emulator/state":
        return { status: 200, body: dumpState(emulator, query.get("api_key") ?? undefined) };
      case "GET /_emulator/deliveries": {
        const status = query.get("status");
        const records = listDeliveries(emulator, {
          api_key: query.get("api_key") ?? undefined,
          event_id: query.get("event_id") ?? undefined,
          event_type: query.get("event_type") ?? undefined,
          endpoint_id: query.get("endpoint_id") ?? undefined,
          status:
            status === "queued" ||
            status === "pending" ||
            status === "succeeded" ||
            status === "failed"
              ? status
              : undefined,
        });
        const withPayload = query.get("include_payload") === "true";
        return {
          status: 200,
          body: {
            data: withPayload ? records : records.map((r) => ({ ...r, payload: undefined })),
          },
        };
      }
      case "POST /_emulator/reset": {
        const input = parse(resetSchema, body);
        emulator.reset(input.api_key);
        return { status: 200, body: { ok: true } };
      }
      case "POST /_emulator/flush": {
        const input = parse(flushSchema, body);
        const records = await emulator.dispatcher.flush({
          duplicateAndShuffle: input.duplicate_and_shuffle ?? false,
        });
        return { status: 200, body: { data: records.map((r) => ({ ...r, payload: undefined })) } };
      }
      case "POST /_emulator/wait":
        await emulator.dispatcher.idle();
        return { status: 200, body: { ok: true } };
      case "GET /_emulator/config":
        return { status: 200, body: getConfig(emulator) };
      case "POST /_emulator/config":
        return { status: 200, body: setConfig(emulator, parse(configSchema, body)) };
      case "POST /_emulator/alias": {
        const input = parse(aliasSchema, body);
        const account = emulator.accounts.alias(input.alias, input.api_key);
        return { status: 200, body: { ok: true, account: account.id } };
      }
      case "POST /_emulator/pause": {
        const input = parse(pauseSchema, body);
        emulator.gate.pause(input.mode ?? "before");
        return { status: 200, body: emulator.gate.state() };
      }
      case "POST /_emulator/resume": {
        const input = parse(resumeSchema, body);
        const released = emulator.gate.resume({ drop: input.drop });
        return { status: 200, body: { ...emulator.gate.state(), released } };
      }
      case "GET /_emulator/pause":
        return { status: 200, body: emulator.gate.state() };
      default:
        return {
          status: 404,
          body: {
            error: {
              type: "invalid_request_error",
              message: `Unknown emulator control route: ${method} ${path}`,
            },
          },
        };
    }
  } catch (err) {
    if (err instanceof StripeApiError) return { status: err.status, body: err.toJSON() };
    throw err;
  }
}
