import { authError } from "./errors.js";
import {
  createEvent,
  WebhookDispatcher,
  type DeliveryRecord,
  type DispatchOptions,
  type RetryOptions,
} from "./events.js";
import type { FormObject } from "./form.js";
import { PauseGate } from "./pause.js";
import { AccountRegistry, isValidApiKey, maskKey, type Account } from "./state.js";
import type { EventObject, JsonObject, JsonValue } from "./types.js";

export interface EmulatorOptions {
  /** Deliver events to webhook endpoints automatically (default true); otherwise queue for flush. */
  deliver?: boolean;
  retry?: Partial<RetryOptions>;
  /** Per-attempt HTTP timeout for webhook deliveries (default 5000 ms). */
  deliveryTimeoutMs?: number;
}

/** The in-memory Stripe: accounts by key plus the webhook dispatcher. */
export class Emulator {
  readonly accounts = new AccountRegistry();
  /** Outage simulation: holds API requests while paused (pause.ts). */
  readonly gate = new PauseGate();
  readonly dispatcher: WebhookDispatcher;

  constructor(opts: EmulatorOptions = {}) {
    this.dispatcher = new WebhookDispatcher({
      enabled: opts.deliver ?? true,
      retry: {
        maxAttempts: opts.retry?.maxAttempts ?? 3,
        backoffMs: opts.retry?.backoffMs ?? [100, 300],
      },
      timeoutMs: opts.deliveryTimeoutMs ?? 5000,
    });
  }

  /** The account for an API key; throws Stripe's 401 error for a malformed key. */
  account(key: string | undefined): Account {
    if (key === undefined || key === "") {
      throw authError(
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      );
    }
    if (!isValidApiKey(key)) throw authError(`Invalid API Key provided: ${maskKey(key)}`);
    return this.accounts.get(key);
  }

  /** Creates an event and delivers it in the background. */
  emit(account: Account, type: string, object: object, previous?: JsonObject): EventObject {
    const event = createEvent(account, type, object, previous);
    void this.dispatcher.dispatch(account, [event]);
    return event;
  }

  /** Delivers already-created events; resolves when every delivery (with retries) is done. */
  deliver(
    account: Account,
    events: EventObject[],
    opts?: DispatchOptions,
  ): Promise<DeliveryRecord[]> {
    return this.dispatcher.dispatch(account, events, opts);
  }

  reset(key?: string): void {
    if (key) {
      const account = this.accounts.peek(key);
      if (account) this.dispatcher.clear(account.id);
      this.accounts.reset(key);
    } else {
      this.dispatcher.clear();
      this.accounts.reset();
    }
  }
}

export interface ApiContext {
  emulator: Emulator;
  account: Account;
  method: string;
  /** Path without the query string, e.g. `/v1/coupons`. */
  path: string;
  pathParams: string[];
  params: FormObject;
  expand: string[];
}

export type ApiHandler = (ctx: ApiContext) => JsonValue | Promise<JsonValue>;

export interface Route {
  method: "GET" | "POST" | "DELETE";
  pattern: RegExp;
  handler: ApiHandler;
}

export const LIST_KEYS = ["limit", "starting_after", "ending_before", "created"] as const;
