import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "../../app/auth/password.server";
import { DEMO_PASSWORD, seedDemoIfEmpty } from "../../app/services/dev/seed.server";
import { createBrandWithOwner } from "../../app/services/accounts/accounts.server";
import { testConfig } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

describe("demo seed", () => {
  let t: TestDatabase;
  let other: TestDatabase;
  beforeAll(async () => {
    [t, other] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });
  afterAll(async () => {
    await Promise.all([t.drop(), other.drop()]);
  });

  it("seeds the demo brand, campaign and three approved affiliates on an empty database, once", async () => {
    const seeded = await seedDemoIfEmpty(t.db, testConfig());
    expect(seeded).not.toBeNull();
    expect(seeded!.logins).toEqual([
      { role: "brand", email: "demo@rekomi.test", password: "rekomi-demo-1" },
      { role: "affiliate", email: "sarah@affiliates.test", password: "rekomi-demo-1" },
      { role: "affiliate", email: "marco@affiliates.test", password: "rekomi-demo-1" },
      { role: "affiliate", email: "priya@affiliates.test", password: "rekomi-demo-1" },
    ]);

    const brand = await t.db.selectFrom("brands").selectAll().executeTakeFirstOrThrow();
    expect(brand).toMatchObject({ id: seeded!.brandId, name: "Acme Analytics", plan: "growth" });
    const owner = await t.db
      .selectFrom("users")
      .innerJoin("brand_members", "brand_members.user_id", "users.id")
      .select(["users.password_hash", "brand_members.role", "brand_members.brand_id"])
      .where("users.email", "=", "demo@rekomi.test")
      .executeTakeFirstOrThrow();
    expect(owner).toMatchObject({ role: "owner", brand_id: brand.id });
    expect(await verifyPassword(DEMO_PASSWORD, owner.password_hash)).toBe(true);

    const campaign = await t.db.selectFrom("campaigns").selectAll().executeTakeFirstOrThrow();
    expect(campaign).toMatchObject({
      brand_id: brand.id,
      name: "Acme Partners",
      slug: "acme-partners",
      destination_url: "https://acme.example.com",
      commission_type: "percent",
      commission_percent_bps: 2000,
      recurring_months: 12,
      sub_affiliate_override_bps: 1000,
      auto_approve: true,
    });

    const affiliates = await t.db
      .selectFrom("affiliates")
      .innerJoin("enrollments", "enrollments.affiliate_id", "affiliates.id")
      .innerJoin("users", "users.id", "affiliates.user_id")
      .select([
        "affiliates.name",
        "affiliates.email",
        "affiliates.status",
        "enrollments.campaign_id",
        "users.password_hash",
      ])
      .orderBy("affiliates.email")
      .execute();
    expect(affiliates.map((a) => [a.name, a.email, a.status, a.campaign_id])).toEqual([
      ["Marco Rossi", "marco@affiliates.test", "approved", campaign.id],
      ["Priya Patel", "priya@affiliates.test", "approved", campaign.id],
      ["Sarah Chen", "sarah@affiliates.test", "approved", campaign.id],
    ]);
    expect(await verifyPassword(DEMO_PASSWORD, affiliates[0].password_hash)).toBe(true);
    // Demo accounts count as verified and get no verification emails.
    const unverified = await t.db
      .selectFrom("users")
      .select("email")
      .where("email_verified_at", "is", null)
      .execute();
    expect(unverified).toEqual([]);
    expect(await t.db.selectFrom("email_outbox").select("id").execute()).toEqual([]);

    expect(await seedDemoIfEmpty(t.db, testConfig())).toBeNull();
    expect(await t.db.selectFrom("brands").select("id").execute()).toHaveLength(1);
    expect(await t.db.selectFrom("affiliates").select("id").execute()).toHaveLength(3);
  });

  it("does nothing on a database that already has a brand", async () => {
    await createBrandWithOwner(other.db, {
      brandName: "Real Brand",
      ownerName: "Real Owner",
      email: "real@brand.test",
      password: "real-password-1",
      plan: "starter",
    });
    expect(await seedDemoIfEmpty(other.db, testConfig())).toBeNull();
    expect(await other.db.selectFrom("campaigns").select("id").execute()).toHaveLength(0);
    expect(await other.db.selectFrom("users").select("id").execute()).toHaveLength(1);
  });

  it("two processes starting together seed once", async () => {
    await t.db.deleteFrom("brands").execute();
    await t.db.deleteFrom("users").execute();
    const results = await Promise.all([
      seedDemoIfEmpty(t.db, testConfig()),
      seedDemoIfEmpty(t.db, testConfig()),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await t.db.selectFrom("brands").select("id").execute()).toHaveLength(1);
  });
});
