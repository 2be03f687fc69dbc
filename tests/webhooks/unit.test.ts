import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import {
  judgeAttempt,
  nextAttemptAt,
  parseRetryAfter,
  retryDelayMs,
  retryTimeline,
  shouldDisableEndpoint,
} from "../../app/webhooks/retry";
import { generateWebhookSecret, isWebhookSecret, webhookHeaders } from "../../app/webhooks/signing";
import { blockedAddressReason, checkWebhookUrl } from "../../app/webhooks/ssrf.server";
import { postWebhook } from "../../app/webhooks/http.server";

const H = 3_600_000;

describe("Standard Webhooks signing", () => {
  it("produces signatures the standardwebhooks library verifies", () => {
    const secret = generateWebhookSecret();
    expect(isWebhookSecret(secret)).toBe(true);
    const body = JSON.stringify({
      type: "conversion.created",
      timestamp: new Date().toISOString(),
      data: { id: "c" },
    });
    const headers = webhookHeaders([secret], "msg_abcdefghijklmnop", new Date(), body);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body + " ", headers)).toThrow();
  });

  it("during rotation both secrets verify the same request", () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const body = '{"type":"conversion.refunded"}';
    const headers = webhookHeaders([newSecret, oldSecret], "msg_rotation0001", new Date(), body);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow();
  });
});

describe("retry schedule", () => {
  it("is immediately, 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h until about 3 days", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 9].map(retryDelayMs)).toEqual([
      5e3,
      3e5,
      18e5,
      2 * H,
      5 * H,
      10 * H,
      10 * H,
      10 * H,
    ]);
    const start = new Date("2026-01-01T00:00:00Z");
    const times = retryTimeline(start).map((d) => d.getTime() - start.getTime());
    expect(times.slice(0, 6)).toEqual([
      0,
      5e3,
      5e3 + 3e5,
      5e3 + 3e5 + 18e5,
      5e3 + 3e5 + 18e5 + 2 * H,
      5e3 + 3e5 + 18e5 + 7 * H,
    ]);
    expect(times).toHaveLength(12);
    expect(times[times.length - 1]).toBeLessThanOrEqual(72 * H);
    expect(times[times.length - 1] + 10 * H).toBeGreaterThan(72 * H);
    expect(() => retryDelayMs(0)).toThrow();
  });

  it("lets Retry-After only push the next attempt later, and still ends the cycle at 3 days", () => {
    const start = new Date("2026-01-01T00:00:00Z");
    expect(
      nextAttemptAt({ cycleStartedAt: start, failedAttempts: 1, now: start, retryAfterMs: 60_000 }),
    ).toEqual(new Date(start.getTime() + 60_000));
    expect(
      nextAttemptAt({ cycleStartedAt: start, failedAttempts: 3, now: start, retryAfterMs: 1000 }),
    ).toEqual(new Date(start.getTime() + 18e5));
    const late = new Date(start.getTime() + 70 * H);
    expect(
      nextAttemptAt({ cycleStartedAt: start, failedAttempts: 1, now: late, retryAfterMs: 3 * H }),
    ).toBeNull();
  });

  it("parses Retry-After seconds and HTTP dates, clamped", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:10:00 GMT", now)).toBe(600_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("99999999", now)).toBe(12 * H);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it("judges attempts: 2xx ok, 410 gone, 3xx and errors fail, Retry-After only on 429/503", () => {
    const now = new Date();
    expect(judgeAttempt({ statusCode: 204, error: null, retryAfter: null }, now)).toEqual({
      kind: "succeeded",
    });
    expect(judgeAttempt({ statusCode: 410, error: null, retryAfter: null }, now)).toEqual({
      kind: "gone",
    });
    expect(judgeAttempt({ statusCode: 301, error: null, retryAfter: null }, now)).toMatchObject({
      kind: "failed",
      reason: "Redirect (301) not followed",
    });
    expect(
      judgeAttempt({ statusCode: 200, error: "Timed out", retryAfter: null }, now),
    ).toMatchObject({ kind: "failed", reason: "Timed out" });
    expect(judgeAttempt({ statusCode: 503, error: null, retryAfter: "30" }, now)).toMatchObject({
      retryAfterMs: 30_000,
    });
    expect(judgeAttempt({ statusCode: 429, error: null, retryAfter: "30" }, now)).toMatchObject({
      retryAfterMs: 30_000,
    });
    expect(judgeAttempt({ statusCode: 500, error: null, retryAfter: "30" }, now)).toMatchObject({
      retryAfterMs: null,
    });
  });

  it("disables after 5 days of continuous failure", () => {
    const now = new Date("2026-01-10T00:00:00Z");
    expect(shouldDisableEndpoint(null, now)).toBe(false);
    expect(shouldDisableEndpoint(new Date("2026-01-05T00:00:01Z"), now)).toBe(false);
    expect(shouldDisableEndpoint(new Date("2026-01-05T00:00:00Z"), now)).toBe(true);
  });
});

describe("SSRF guard", () => {
  const refused = [
    "http://127.0.0.1/hook",
    "http://127.1/",
    "http://localhost/hook",
    "http://api.localhost/hook",
    "http://10.0.0.5/",
    "http://172.16.3.4/",
    "http://192.168.1.1/",
    "http://169.254.10.10/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::1]/",
    "http://[::]/",
    "http://[fd00::1]/",
    "http://[fc12:3456::1]/",
    "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[::ffff:8.8.8.8]/",
    "http://[64:ff9b::a00:1]/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.0.0.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://2852039166/",
    "http://0251.0376.0251.0376/",
  ];
  it.each(refused)("refuses %s", (url) => {
    const check = checkWebhookUrl(url, { allowPrivate: false });
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toMatch(/non-public address|not a public host/);
  });

  it("refuses other schemes, credentials and garbage with a clear error", () => {
    expect(checkWebhookUrl("ftp://example.com/x", { allowPrivate: false })).toMatchObject({
      ok: false,
      message: /Only http/,
    });
    expect(checkWebhookUrl("https://user:pw@example.com/x", { allowPrivate: false })).toMatchObject(
      { ok: false, message: /user name and password/ },
    );
    expect(checkWebhookUrl("example.com/hook", { allowPrivate: false })).toMatchObject({
      ok: false,
      message: /full URL/,
    });
    expect(checkWebhookUrl("http://intranet/hook", { allowPrivate: false })).toMatchObject({
      ok: false,
    });
  });

  it("accepts public hosts and addresses, and everything when the guard is lifted", () => {
    expect(
      checkWebhookUrl(" https://hooks.example.com/rekomi?x=1#frag ", { allowPrivate: false }),
    ).toEqual({
      ok: true,
      url: "https://hooks.example.com/rekomi?x=1",
    });
    expect(checkWebhookUrl("http://8.8.8.8/", { allowPrivate: false }).ok).toBe(true);
    expect(checkWebhookUrl("http://[2606:4700::1111]/", { allowPrivate: false }).ok).toBe(true);
    expect(checkWebhookUrl("http://127.0.0.1:3000/", { allowPrivate: true }).ok).toBe(true);
    expect(blockedAddressReason("93.184.216.34")).toBeNull();
  });

  it("the connect-time agent refuses private targets even when the URL was never validated", async () => {
    for (const url of [
      "http://127.0.0.1:9/",
      "http://2130706433:9/",
      "http://[::1]:9/",
      "http://169.254.169.254/",
      "http://localhost:9/",
    ]) {
      const result = await postWebhook(url, "{}", {}, { allowPrivate: false, timeoutMs: 2000 });
      expect(result.statusCode).toBeNull();
      expect(result.error).toMatch(/not allowed|Refused/);
    }
  });
});
