/**
 * Server-to-server conversions (`POST /api/v1/conversions`): the brand reports a sale it made
 * outside Stripe Checkout and names the click or the affiliate. Idempotent on `external_id`.
 * S2S wins outright and never binds a Stripe customer (DESIGN.md section 5).
 */
import { sql } from "kysely";
import { z } from "zod";
import type { ApiErrorBody } from "~/api/errors";
import type { DB } from "~/db/db.server";
import type { ConversionRow } from "~/db/schema";
import { decideAttribution } from "~/domain/attribution";
import { computeLedgerAdjustments } from "~/domain/clawback";
import { buildDecisionRecord, type CommissionResult, computeCommission } from "~/domain/commission";
import { MAX_AMOUNT_MINOR } from "~/domain/money";
import { emitConversionEvent } from "./emit";
import { affiliateIneligibility, campaignTerms, earningParent } from "./signals";

export const s2sConversionSchema = z
  .object({
    external_id: z.string().trim().min(1, "external_id is required").max(255),
    amount: z.number().int("amount must be an integer in minor units").min(0).max(MAX_AMOUNT_MINOR),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, "currency must be a 3-letter ISO code")
      .transform((c) => c.toLowerCase()),
    click_id: z.uuid("click_id must be a Rekomi click id").optional(),
    affiliate_id: z.uuid("affiliate_id must be a Rekomi affiliate id").optional(),
    /** Which of the affiliate's campaigns (affiliate_id only); default: its earliest enrollment. */
    campaign_id: z.uuid().optional(),
    occurred_at: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((v) => (v.click_id === undefined) !== (v.affiliate_id === undefined), {
    message: "Give exactly one of click_id or affiliate_id.",
    path: ["click_id"],
  });
export type S2sConversionInput = z.input<typeof s2sConversionSchema>;

export type S2sResult =
  { ok: true; created: boolean; conversion: ConversionRow } | { ok: false; error: ApiErrorBody };

const fail = (type: ApiErrorBody["type"], message: string, param?: string): S2sResult => ({
  ok: false,
  error: param ? { type, message, param } : { type, message },
});

function sameReport(
  row: ConversionRow,
  input: z.output<typeof s2sConversionSchema>,
  affiliateId: string,
): boolean {
  return (
    Number(row.amount) === input.amount &&
    row.currency === input.currency &&
    (row.affiliate_id ?? affiliateId) === affiliateId
  );
}

/**
 * Record one S2S conversion. Same `external_id` again -> the existing conversion, `created: false`
 * (a different amount, currency or affiliate for it -> `conflict`). Unknown click or affiliate ->
 * `not_found` naming the field, nothing written.
 */
export async function recordS2sConversion(
  db: DB,
  brandId: string,
  raw: unknown,
): Promise<S2sResult> {
  const parsed = s2sConversionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail("invalid_request", issue.message, issue.path.join(".") || undefined);
  }
  const input = parsed.data;

  return db.transaction().execute(async (trx) => {
    // Resolve the affiliate and campaign (brand-scoped).
    let affiliateId: string;
    let campaignId: string;
    let clickId: string | null = null;
    if (input.click_id) {
      const click = await trx
        .selectFrom("clicks")
        .select(["id", "affiliate_id", "campaign_id"])
        .where("brand_id", "=", brandId)
        .where("id", "=", input.click_id)
        .executeTakeFirst();
      if (!click) return fail("not_found", `No click ${input.click_id} in this brand.`, "click_id");
      affiliateId = click.affiliate_id;
      campaignId = click.campaign_id;
      clickId = click.id;
    } else {
      const affiliate = await trx
        .selectFrom("affiliates")
        .select("id")
        .where("brand_id", "=", brandId)
        .where("id", "=", input.affiliate_id!)
        .executeTakeFirst();
      if (!affiliate)
        return fail(
          "not_found",
          `No affiliate ${input.affiliate_id} in this brand.`,
          "affiliate_id",
        );
      let enrollment = trx
        .selectFrom("enrollments")
        .select("campaign_id")
        .where("brand_id", "=", brandId)
        .where("affiliate_id", "=", affiliate.id);
      if (input.campaign_id) enrollment = enrollment.where("campaign_id", "=", input.campaign_id);
      const e = await enrollment.orderBy("created_at").orderBy("id").executeTakeFirst();
      if (!e) {
        return input.campaign_id
          ? fail("not_found", "The affiliate is not enrolled in that campaign.", "campaign_id")
          : fail(
              "invalid_request",
              "The affiliate is not enrolled in any campaign.",
              "affiliate_id",
            );
      }
      affiliateId = affiliate.id;
      campaignId = e.campaign_id;
    }

    // Idempotency: serialise reports of the same external_id, then look for it.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`rekomi:s2s:${brandId}:${input.external_id}`}, 0))`.execute(
      trx,
    );
    const existing = await trx
      .selectFrom("conversions")
      .selectAll()
      .where("brand_id", "=", brandId)
      .where("external_id", "=", input.external_id)
      .executeTakeFirst();
    if (existing) {
      if (!sameReport(existing, input, affiliateId)) {
        return fail(
          "conflict",
          `A different conversion was already reported with external_id ${input.external_id}.`,
          "external_id",
        );
      }
      return { ok: true, created: false, conversion: existing } as const;
    }

    const status = await trx
      .selectFrom("affiliates")
      .select("status")
      .where("id", "=", affiliateId)
      .executeTakeFirstOrThrow();
    const decision = decideAttribution({
      s2sCandidate: {
        affiliateId,
        campaignId,
        clickId,
        ineligibleReason: affiliateIneligibility(status.status),
      },
    });
    let result: CommissionResult | null = null;
    const campaign = await campaignTerms(trx, brandId, campaignId);
    if (decision.winner && campaign) {
      result = computeCommission({
        amount: input.amount,
        currency: input.currency,
        affiliateId,
        campaignCommission: campaign.commission,
        overrideBps: campaign.overrideBps,
        parentAffiliateId: await earningParent(trx, brandId, affiliateId),
        recurring: {
          recurringMonths: campaign.recurringMonths,
          anchor: null,
          periodStart: new Date(),
        },
      });
    }
    const occurredAt = input.occurred_at ? new Date(input.occurred_at) : new Date();
    const ledger = computeLedgerAdjustments({
      amount: input.amount,
      terms: result?.terms ?? null,
      previousRefundedAmount: 0,
      refundedAmount: 0,
      redemptionCounted: false,
      ledger: [],
    });
    const sum = (kinds: string[]) =>
      ledger.entries.filter((e) => kinds.includes(e.kind)).reduce((s, e) => s + e.amount, 0);
    const conversion = await trx
      .insertInto("conversions")
      .values({
        brand_id: brandId,
        campaign_id: decision.winner ? campaignId : null,
        affiliate_id: decision.winner ? affiliateId : null,
        attribution_method: "s2s",
        click_id: clickId,
        amount: input.amount,
        currency: input.currency,
        commission_amount: sum(["commission"]),
        override_amount: sum(["override"]),
        external_id: input.external_id,
        decision: JSON.stringify(buildDecisionRecord(decision, result)),
        terms: JSON.stringify(result?.terms ?? null),
        period_start: occurredAt,
        occurred_at: occurredAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (ledger.entries.length > 0) {
      await trx
        .insertInto("commission_entries")
        .values(
          ledger.entries.map((e) => ({
            brand_id: brandId,
            conversion_id: conversion.id,
            affiliate_id: e.affiliateId,
            kind: e.kind,
            amount: e.amount,
            currency: e.currency,
          })),
        )
        .execute();
    }
    await emitConversionEvent(trx, { brandId, type: "conversion.created", conversion });
    return { ok: true, created: true, conversion } as const;
  });
}
