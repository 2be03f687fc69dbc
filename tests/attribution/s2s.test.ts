/** S2S conversions service (`POST /api/v1/conversions` contract). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { affiliateBalances } from "../../app/services/conversions/affiliate-conversion-stats.server";
import { conversionJson } from "../../app/domain/conversion-json";
import {
  getConversion,
  listConversions,
} from "../../app/services/conversions/conversion-lists.server";
import { recordS2sConversion } from "../../app/services/attribution/s2s.server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

let t: TestDatabase;
let brandId: string;
let otherBrandId: string;
let campaignId: string;
let parentId: string;
let affiliateId: string;
let pendingId: string;
let clickId: string;
let otherClickId: string;

async function brand(name: string) {
  return (
    await t.db
      .insertInto("brands")
      .values({ name, plan: "growth", trial_ends_at: new Date(Date.now() + 86_400_000) })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
}

let n = 0;
async function affiliate(
  b: string,
  campaign: string | null,
  status: "approved" | "pending" = "approved",
  parent: string | null = null,
) {
  n++;
  const a = await t.db
    .insertInto("affiliates")
    .values({
      brand_id: b,
      email: `a${n}@x.test`,
      name: `A${n}`,
      status,
      parent_affiliate_id: parent,
      recruit_code: `rc-s2s-${n}`,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  let enrollmentId: string | null = null;
  if (campaign) {
    enrollmentId = (
      await t.db
        .insertInto("enrollments")
        .values({
          brand_id: b,
          campaign_id: campaign,
          affiliate_id: a.id,
          link_code: `lc-s2s-${n}`,
        })
        .returning("id")
        .executeTakeFirstOrThrow()
    ).id;
  }
  return { id: a.id, enrollmentId };
}

async function campaign(b: string) {
  n++;
  return (
    await t.db
      .insertInto("campaigns")
      .values({
        brand_id: b,
        name: "S2S",
        slug: `s2s-${n}`,
        destination_url: "https://x.test",
        commission_type: "percent",
        commission_percent_bps: 1250,
        sub_affiliate_override_bps: 500,
        cookie_window_days: 30,
        auto_approve: true,
      })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
}

const count = async () =>
  Number(
    (
      await t.db
        .selectFrom("conversions")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  t = await createTestDatabase();
  brandId = await brand("S2S brand");
  otherBrandId = await brand("Other");
  campaignId = await campaign(brandId);
  parentId = (await affiliate(brandId, campaignId)).id;
  const child = await affiliate(brandId, campaignId, "approved", parentId);
  affiliateId = child.id;
  pendingId = (await affiliate(brandId, campaignId, "pending")).id;
  clickId = (
    await t.db
      .insertInto("clicks")
      .values({
        brand_id: brandId,
        campaign_id: campaignId,
        affiliate_id: affiliateId,
        enrollment_id: child.enrollmentId!,
      })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  const otherCampaign = await campaign(otherBrandId);
  const otherAff = await affiliate(otherBrandId, otherCampaign);
  otherClickId = (
    await t.db
      .insertInto("clicks")
      .values({
        brand_id: otherBrandId,
        campaign_id: otherCampaign,
        affiliate_id: otherAff.id,
        enrollment_id: otherAff.enrollmentId!,
      })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
});
afterAll(async () => {
  await t?.drop();
});

describe("recordS2sConversion", () => {
  it("records an s2s conversion from a click id, with commission, parent override and a decision", async () => {
    const r = await recordS2sConversion(t.db, brandId, {
      external_id: "order-1",
      amount: 10001,
      currency: "USD",
      click_id: clickId,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.created).toBe(true);
    const json = conversionJson(r.conversion);
    expect(json).toMatchObject({
      affiliate_id: affiliateId,
      campaign_id: campaignId,
      attribution_method: "s2s",
      amount: 10001,
      currency: "usd",
      commission_amount: 1250, // 12.5% of 10001 = 1250.125 -> 1250
      coupon_code: null,
      status: "approved",
      stripe: {
        customer_id: null,
        invoice_id: null,
        subscription_id: null,
        checkout_session_id: null,
        payment_intent_id: null,
      },
    });
    expect(json.decision).toMatchObject({ rule: "s2s_report", createsBinding: false });
    const entries = await t.db
      .selectFrom("commission_entries")
      .select(["kind", "affiliate_id", "amount"])
      .where("conversion_id", "=", r.conversion.id)
      .execute();
    expect(entries.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: "commission", affiliate_id: affiliateId, amount: 1250 },
      { kind: "override", affiliate_id: parentId, amount: 500 },
    ]);
    expect(await t.db.selectFrom("referrals").selectAll().execute()).toEqual([]);
  });

  it("is idempotent on external_id: the same body returns the same conversion, created false", async () => {
    const before = await count();
    const r = await recordS2sConversion(t.db, brandId, {
      external_id: "order-1",
      amount: 10001,
      currency: "usd",
      click_id: clickId,
    });
    expect(r).toMatchObject({ ok: true, created: false });
    expect(await count()).toBe(before);
    const entries = await t.db.selectFrom("commission_entries").selectAll().execute();
    expect(entries).toHaveLength(2);
    // Concurrent duplicates also collapse to one.
    const many = await Promise.all(
      Array.from({ length: 5 }, () =>
        recordS2sConversion(t.db, brandId, {
          external_id: "order-2",
          amount: 500,
          currency: "usd",
          affiliate_id: affiliateId,
        }),
      ),
    );
    expect(many.filter((x) => x.ok && x.created)).toHaveLength(1);
    expect(new Set(many.map((x) => (x.ok ? x.conversion.id : null))).size).toBe(1);
  });

  it("refuses a different body for a known external_id (conflict), writing nothing", async () => {
    const before = await count();
    const r = await recordS2sConversion(t.db, brandId, {
      external_id: "order-1",
      amount: 999,
      currency: "usd",
      click_id: clickId,
    });
    expect(r).toEqual({
      ok: false,
      error: expect.objectContaining({ type: "conflict", param: "external_id" }),
    });
    expect(await count()).toBe(before);
  });

  it("unknown (or another brand's) click or affiliate -> not_found naming the field, nothing written", async () => {
    const before = await count();
    const cases = [
      [{ click_id: "00000000-0000-4000-8000-000000000000" }, "click_id"],
      [{ click_id: otherClickId }, "click_id"],
      [{ affiliate_id: "00000000-0000-4000-8000-000000000000" }, "affiliate_id"],
    ] as const;
    for (const [ref, param] of cases) {
      const r = await recordS2sConversion(t.db, brandId, {
        external_id: `x-${param}`,
        amount: 100,
        currency: "usd",
        ...ref,
      });
      expect(r).toEqual({
        ok: false,
        error: expect.objectContaining({ type: "not_found", param }),
      });
    }
    expect(await count()).toBe(before);
  });

  it("validates the body: exactly one of click_id/affiliate_id, integer amounts, ISO currency", async () => {
    const bad = [
      [{ external_id: "v1", amount: 100, currency: "usd" }, "click_id"],
      [
        {
          external_id: "v2",
          amount: 100,
          currency: "usd",
          click_id: clickId,
          affiliate_id: affiliateId,
        },
        "click_id",
      ],
      [{ external_id: "v3", amount: 10.5, currency: "usd", click_id: clickId }, "amount"],
      [{ external_id: "v4", amount: 100, currency: "dollars", click_id: clickId }, "currency"],
      [{ external_id: "", amount: 100, currency: "usd", click_id: clickId }, "external_id"],
      [{ external_id: "v5", amount: 100, currency: "usd", click_id: "not-a-uuid" }, "click_id"],
    ] as const;
    for (const [body, param] of bad) {
      const r = await recordS2sConversion(t.db, brandId, body);
      expect(r).toEqual({
        ok: false,
        error: expect.objectContaining({ type: "invalid_request", param }),
      });
    }
  });

  it("an affiliate that is not approved is recorded without commission (decision explains why)", async () => {
    const r = await recordS2sConversion(t.db, brandId, {
      external_id: "order-p",
      amount: 2000,
      currency: "jpy",
      affiliate_id: pendingId,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.conversion).toMatchObject({
      affiliate_id: null,
      commission_amount: 0,
      currency: "jpy",
      attribution_method: "s2s",
    });
    expect(r.conversion.decision).toMatchObject({
      rule: "no_eligible_signal",
      candidates: [
        expect.objectContaining({
          source: "s2s",
          affiliateId: pendingId,
          ineligibleReason: "affiliate_pending",
        }),
      ],
    });
  });

  it("lists conversions brand-scoped, filtered and keyset-paginated (newest first)", async () => {
    const all = await listConversions(t.db, brandId, {}, { limit: 100 });
    expect(all.rows.length).toBe(3);
    expect(all.hasMore).toBe(false);
    const seen: string[] = [];
    let after: { createdAt: Date; id: string } | null = null;
    for (;;) {
      const page = await listConversions(t.db, brandId, {}, { limit: 1, after });
      seen.push(...page.rows.map((r) => r.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(all.rows.map((r) => r.id));
    expect((await listConversions(t.db, brandId, { affiliate_id: affiliateId })).rows).toHaveLength(
      2,
    );
    expect(
      (await listConversions(t.db, brandId, { attribution_method: "coupon" })).rows,
    ).toHaveLength(0);
    expect(
      (
        await listConversions(t.db, brandId, {
          status: "approved",
          created_gte: "2000-01-01T00:00:00Z",
        })
      ).rows,
    ).toHaveLength(3);
    expect((await listConversions(t.db, otherBrandId)).rows).toEqual([]);
    expect(await getConversion(t.db, otherBrandId, all.rows[0].id)).toBeNull();
    expect(await getConversion(t.db, brandId, "nope")).toBeNull();
    expect(await affiliateBalances(t.db, brandId, affiliateId)).toEqual([
      { currency: "usd", amount: 1250 + 63 },
    ]);
  });
});
