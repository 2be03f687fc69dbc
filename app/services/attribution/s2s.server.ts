/**
 * Server-to-server conversions (`POST /api/v1/conversions`): the brand reports a sale it made
 * outside Stripe Checkout and names the click or the affiliate. Idempotent on `external_id`.
 * S2S wins outright and never binds a Stripe customer (DESIGN.md section 5).
 */
import { sql } from "kysely";
import { z } from "zod";
import type { ApiErrorBody } from "~/domain/api-errors";
import type { DB } from "~/db/db.server";
import type { ConversionRow } from "~/db/schema";
import { decideAttribution } from "~/domain/attribution";
import { buildDecisionRecord, type CommissionResult, computeCommission } from "~/domain/commission";
import { MAX_AMOUNT_MINOR } from "~/domain/money";
import type { CommissionContext } from "~/domain/payment-plan";
import { planSettlement } from "~/domain/settlement";
import { emitConversionEvent } from "./emit";
import { writePayment } from "./ledger-writer.server";
import { affiliateIneligibility, commissionContext } from "./signals";

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

/** An S2S sale's commission: campaign terms, no recurring window (S2S never binds). */
function s2sCommission(
  input: S2sInput,
  affiliateId: string,
  context: CommissionContext,
): CommissionResult {
  return computeCommission({
    amount: input.amount,
    currency: input.currency,
    affiliateId,
    campaignCommission: context.terms.commission,
    overrideBps: context.terms.overrideBps,
    parentAffiliateId: context.parentAffiliateId,
    recurring: {
      recurringMonths: context.terms.recurringMonths,
      anchor: null,
      periodStart: new Date(),
    },
  });
}

type S2sInput = z.output<typeof s2sConversionSchema>;
interface Credit {
  affiliateId: string;
  campaignId: string;
  clickId: string | null;
}

/** The affiliate and campaign the report names (brand-scoped), or why it names none. */
async function resolveCredit(
  trx: DB,
  brandId: string,
  input: S2sInput,
): Promise<Credit | S2sResult> {
  if (input.click_id) {
    const click = await trx
      .selectFrom("clicks")
      .select(["id", "affiliate_id", "campaign_id"])
      .where("brand_id", "=", brandId)
      .where("id", "=", input.click_id)
      .executeTakeFirst();
    if (!click) return fail("not_found", `No click ${input.click_id} in this brand.`, "click_id");
    return { affiliateId: click.affiliate_id, campaignId: click.campaign_id, clickId: click.id };
  }
  const affiliate = await trx
    .selectFrom("affiliates")
    .select("id")
    .where("brand_id", "=", brandId)
    .where("id", "=", input.affiliate_id!)
    .executeTakeFirst();
  if (!affiliate)
    return fail("not_found", `No affiliate ${input.affiliate_id} in this brand.`, "affiliate_id");
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
      : fail("invalid_request", "The affiliate is not enrolled in any campaign.", "affiliate_id");
  }
  return { affiliateId: affiliate.id, campaignId: e.campaign_id, clickId: null };
}

/** Decide, compute and write a new S2S conversion (the ledger writer), and emit it. */
async function recordNew(
  trx: DB,
  brandId: string,
  input: S2sInput,
  { affiliateId, campaignId, clickId }: Credit,
): Promise<ConversionRow> {
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
  const context = await commissionContext(trx, brandId, campaignId, affiliateId);
  const result = decision.winner && context ? s2sCommission(input, affiliateId, context) : null;
  const occurredAt = input.occurred_at ? new Date(input.occurred_at) : new Date();
  const terms = result?.terms ?? null;
  const settlement = planSettlement(
    { amount: input.amount, terms, refundedAmount: 0, redemptionCounted: false },
    null,
    [],
  );
  const conversion = await writePayment(trx, {
    brandId,
    referral: null,
    referralAnchor: null,
    conversion: {
      brand_id: brandId,
      campaign_id: decision.winner ? campaignId : null,
      affiliate_id: decision.winner ? affiliateId : null,
      attribution_method: "s2s",
      click_id: clickId,
      amount: input.amount,
      currency: input.currency,
      commission_amount: settlement.commissionAmount,
      override_amount: settlement.overrideAmount,
      external_id: input.external_id,
      decision: JSON.stringify(buildDecisionRecord(decision, result)),
      terms: JSON.stringify(terms),
      period_start: occurredAt,
      occurred_at: occurredAt,
    },
    entries: settlement.result.entries,
    customer: null,
    discounts: [],
    counters: [],
  });
  // Reports of one external_id are serialised by the caller, so the insert cannot conflict.
  if (!conversion) throw new Error(`conversion ${input.external_id} was not recorded`);
  await emitConversionEvent(trx, { brandId, type: "conversion.created", conversion });
  return conversion;
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
    const credit = await resolveCredit(trx, brandId, input);
    if ("ok" in credit) return credit;
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
      if (!sameReport(existing, input, credit.affiliateId)) {
        return fail(
          "conflict",
          `A different conversion was already reported with external_id ${input.external_id}.`,
          "external_id",
        );
      }
      return { ok: true, created: false, conversion: existing } as const;
    }
    const conversion = await recordNew(trx, brandId, input, credit);
    return { ok: true, created: true, conversion } as const;
  });
}
