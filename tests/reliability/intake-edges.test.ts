/**
 * Stripe intake inputs found by the fuzzer that used to end in a 500 (Stripe would retry them for
 * days): a `created` beyond any real date, and text PostgreSQL cannot store (U+0000, unpaired
 * surrogates) anywhere in the event. Correctly signed, they are now a 400 with nothing stored.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import {
  callIntake,
  counts,
  createBrand,
  insertConnection,
  makeEvent,
  sign,
  webhookRequest,
} from "../stripe/helpers";

let t: TestDatabase;
let brandId: string;
const secret = `whsec_${randomBytes(24).toString("base64")}`;

beforeAll(async () => {
  t = await createTestDatabase();
  brandId = await createBrand(t.db, "Edges");
  await insertConnection(testContext(t.db), brandId, { webhookSecret: secret });
});
afterAll(async () => {
  await t.drop();
});

async function send(body: string): Promise<{ status: number; json: unknown }> {
  const res = await callIntake(
    testContext(t.db),
    brandId,
    webhookRequest(brandId, body, { "Stripe-Signature": sign(body, secret) }),
  );
  return { status: res.status, json: await res.json() };
}

describe("intake edge cases from the fuzzer", () => {
  it.each([
    ["created far beyond year 9999", JSON.stringify(makeEvent({ created: 9007199254740991 }))],
    ["a NUL in the event id", JSON.stringify(makeEvent({ id: "evt_\u0000" }))],
    [
      "a NUL deep in the object",
      JSON.stringify(
        makeEvent({ data: { object: { id: "in_1", object: "invoice", note: "a\u0000b" } } }),
      ),
    ],
    [
      "an unpaired surrogate",
      JSON.stringify(
        makeEvent({ data: { object: { id: "in_1", object: "invoice", note: "\ud800" } } }),
      ),
    ],
    [
      "an unpaired surrogate in a key",
      JSON.stringify(
        makeEvent({ data: { object: { id: "in_1", object: "invoice", ["k\udc00"]: 1 } } }),
      ),
    ],
  ])("%s: 400, nothing stored", async (_name, body) => {
    const before = await counts(t.db);
    const r = await send(body);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: expect.any(String) });
    expect(await counts(t.db)).toEqual(before);
  });

  it("a well-formed event with emoji and a real date is still stored", async () => {
    const r = await send(
      JSON.stringify(
        makeEvent({
          type: "customer.created",
          data: { object: { id: "cus_1", object: "customer", name: "Zoë 😀" } },
        }),
      ),
    );
    expect(r.status).toBe(200);
  });
});
