/**
 * Delivery retry policy: pure functions, no I/O, no clock of their own.
 *
 * Attempts run immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, and every 10 h after that, as
 * long as the next attempt still falls within 3 days of the start of the delivery's retry cycle;
 * otherwise the delivery is exhausted. A `Retry-After` on 429/503 can only push an attempt later.
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Delay after the 1st, 2nd, ... failed attempt; the last value repeats. */
export const RETRY_DELAYS_MS: readonly number[] = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
];
export const RETRY_WINDOW_MS = 3 * DAY;
/** Longest Retry-After we honour; larger values are clamped. */
export const MAX_RETRY_AFTER_MS = 12 * HOUR;
/** An endpoint whose deliveries have all failed for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * DAY;

/** Scheduled delay after the n-th consecutive failed attempt (n >= 1). */
export function retryDelayMs(failedAttempts: number): number {
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) {
    throw new Error("failedAttempts must be an integer >= 1");
  }
  return RETRY_DELAYS_MS[Math.min(failedAttempts, RETRY_DELAYS_MS.length) - 1];
}

/**
 * When to try again after a failed attempt, or null when the retry window is used up.
 * `failedAttempts` counts the attempts of this cycle, including the one that just failed.
 */
export function nextAttemptAt(input: {
  cycleStartedAt: Date;
  failedAttempts: number;
  now: Date;
  retryAfterMs?: number | null;
}): Date | null {
  const delay = Math.max(retryDelayMs(input.failedAttempts), input.retryAfterMs ?? 0);
  const at = input.now.getTime() + delay;
  if (at - input.cycleStartedAt.getTime() > RETRY_WINDOW_MS) return null;
  return new Date(at);
}

/** Every attempt time of a cycle whose attempts all fail instantly (for docs and tests). */
export function retryTimeline(start: Date): Date[] {
  const times = [start];
  for (;;) {
    const next = nextAttemptAt({
      cycleStartedAt: start,
      failedAttempts: times.length,
      now: times[times.length - 1],
    });
    if (!next) return times;
    times.push(next);
  }
}

/**
 * Parse a Retry-After header (delta seconds or an HTTP date) into a delay in ms, clamped to
 * [0, MAX_RETRY_AFTER_MS]. Unparseable -> null (the schedule applies).
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === "") return null;
  let ms: number;
  if (/^\d+$/.test(trimmed)) {
    ms = Number(trimmed) * SECOND;
  } else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return null;
    ms = at - now.getTime();
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

export function shouldDisableEndpoint(failingSince: Date | null, now: Date): boolean {
  return (
    failingSince !== null && now.getTime() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS
  );
}

export interface HttpOutcomeInput {
  statusCode: number | null;
  error: string | null;
  retryAfter: string | null;
}

export type AttemptVerdict =
  | { kind: "succeeded" }
  /** 410 Gone: the receiver asks us to stop; the endpoint is disabled. */
  | { kind: "gone" }
  | { kind: "failed"; reason: string; retryAfterMs: number | null };

/** Judge one HTTP attempt. Only a complete 2xx response is a success; 3xx is never followed. */
export function judgeAttempt(result: HttpOutcomeInput, now: Date): AttemptVerdict {
  const { statusCode, error } = result;
  if (error !== null || statusCode === null) {
    return { kind: "failed", reason: error ?? "No response", retryAfterMs: null };
  }
  if (statusCode >= 200 && statusCode < 300) return { kind: "succeeded" };
  if (statusCode === 410) return { kind: "gone" };
  if (statusCode >= 300 && statusCode < 400) {
    return { kind: "failed", reason: `Redirect (${statusCode}) not followed`, retryAfterMs: null };
  }
  const retryAfterMs =
    statusCode === 429 || statusCode === 503 ? parseRetryAfter(result.retryAfter, now) : null;
  return { kind: "failed", reason: `HTTP ${statusCode}`, retryAfterMs };
}
