/**
 * The per-process cache of a brand's decrypted webhook secret (app/services/stripe-events/webhook-secret-cache.server.ts):
 * a cache hit reads nothing, yet a reconnect (new secret), a disconnect or a livemode change take
 * effect on the very next event: a signature failing against a cached secret is checked once more
 * against a fresh read, and the store statement only inserts while the connection still holds the
 * secret the event was verified with.
 */
import { Kysely, PostgresDialect } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DB } from "../../app/db/db.server";
import type { Database } from "../../app/db/schema";
import { encryptSecret } from "../../app/lib/crypto.server";
import { intakeStripeEvent } from "../../app/services/stripe-events/intake.server";
import { testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { counts, createBrand, insertConnection, makeEvent, sign } from "./helpers";

describe("intake: webhook secret cache", () => {
  let t: TestDatabase;
  /** A Kysely on the same pool that records every statement (its own cache, as a new process). */
  let db: DB;
  const statements: string[] = [];
  const config = () => testContext(t.db).config;

  beforeAll(async () => {
    t = await createTestDatabase();
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: t.pool }),
      log: (event) => {
        if (event.level === "query") statements.push(event.query.sql);
      },
    });
  });
  afterAll(async () => {
    await t?.drop();
  });

  async function connectedBrand(secret: string, livemode = false): Promise<string> {
    const brandId = await createBrand(t.db, "Cache");
    await insertConnection(testContext(t.db), brandId, { webhookSecret: secret, livemode });
    return brandId;
  }

  /** Replace the stored secret (what a reconnect does: a new endpoint with a new secret). */
  async function rotate(brandId: string, secret: string, livemode = false): Promise<void> {
    const aad = `stripe_connections:${brandId}:webhook_secret`;
    await t.db
      .updateTable("stripe_connections")
      .set({
        webhook_secret_encrypted: encryptSecret(config().encryptionKey, secret, aad),
        livemode,
      })
      .where("brand_id", "=", brandId)
      .execute();
  }

  const deliver = (brandId: string, secret: string, event = makeEvent()) => {
    const body = JSON.stringify(event);
    return intakeStripeEvent(db, config(), {
      brandId,
      rawBody: body,
      signature: sign(body, secret),
    });
  };
  const connectionReads = () => statements.filter((s) => s.includes('"stripe_connections"')).length;

  it("reads the connection once, then serves the brand's events from the cache", async () => {
    const brandId = await connectedBrand("whsec_cacheOne0123456789");
    const reads0 = connectionReads();
    expect((await deliver(brandId, "whsec_cacheOne0123456789")).kind).toBe("stored");
    const afterFirst = connectionReads();
    expect(afterFirst).toBeGreaterThan(reads0);
    for (let i = 0; i < 3; i++)
      expect((await deliver(brandId, "whsec_cacheOne0123456789")).kind).toBe("stored");
    expect(connectionReads()).toBe(afterFirst);
  });

  it("after a reconnect, events signed with the new secret are accepted at once (one fresh read)", async () => {
    const brandId = await connectedBrand("whsec_beforeRotation0123");
    expect((await deliver(brandId, "whsec_beforeRotation0123")).kind).toBe("stored");
    await rotate(brandId, "whsec_afterRotation01234");
    const reads0 = connectionReads();
    const r = await deliver(brandId, "whsec_afterRotation01234");
    expect(r.kind).toBe("stored");
    expect(connectionReads()).toBeGreaterThan(reads0);
    // And the refreshed secret is cached again.
    const reads1 = connectionReads();
    expect((await deliver(brandId, "whsec_afterRotation01234")).kind).toBe("stored");
    expect(connectionReads()).toBe(reads1);
  });

  it("after a reconnect, an event signed with the old (still cached) secret is refused, nothing stored", async () => {
    const brandId = await connectedBrand("whsec_oldSecret012345678");
    expect((await deliver(brandId, "whsec_oldSecret012345678")).kind).toBe("stored");
    await rotate(brandId, "whsec_newSecret012345678");
    const before = await counts(t.db);
    expect(await deliver(brandId, "whsec_oldSecret012345678")).toEqual({
      kind: "rejected",
      message: "Invalid Stripe-Signature",
    });
    expect(await counts(t.db)).toEqual(before);
  });

  it("after a disconnect, the brand is unknown at once although its secret was cached", async () => {
    const brandId = await connectedBrand("whsec_disconnect01234567");
    expect((await deliver(brandId, "whsec_disconnect01234567")).kind).toBe("stored");
    await t.db.deleteFrom("stripe_connections").where("brand_id", "=", brandId).execute();
    const before = await counts(t.db);
    expect(await deliver(brandId, "whsec_disconnect01234567")).toEqual({ kind: "not_found" });
    expect(await counts(t.db)).toEqual(before);
  });

  it("a livemode change with the same secret is seen by the next event (stored as a mode mismatch)", async () => {
    const brandId = await connectedBrand("whsec_livemode0123456789");
    expect((await deliver(brandId, "whsec_livemode0123456789")).kind).toBe("stored");
    await t.db
      .updateTable("stripe_connections")
      .set({ livemode: true })
      .where("brand_id", "=", brandId)
      .execute();
    const r = await deliver(brandId, "whsec_livemode0123456789", makeEvent({ livemode: false }));
    expect(r).toMatchObject({ kind: "stored", duplicate: false, status: "ignored" });
  });

  it("a bad signature is re-checked against a fresh read only once, and still refused", async () => {
    const brandId = await connectedBrand("whsec_badSignature012345");
    expect((await deliver(brandId, "whsec_badSignature012345")).kind).toBe("stored");
    const reads0 = connectionReads();
    expect(await deliver(brandId, "whsec_someoneElse0123456")).toEqual({
      kind: "rejected",
      message: "Invalid Stripe-Signature",
    });
    // One fresh read (the ciphertext + the secret), not more.
    expect(connectionReads() - reads0).toBe(2);
  });

  it("accepts the brand id in upper case (it used to be a 500: the secret's encryption context is the stored id)", async () => {
    const brandId = await connectedBrand("whsec_upperCase012345678");
    expect((await deliver(brandId.toUpperCase(), "whsec_upperCase012345678")).kind).toBe("stored");
  });
});
