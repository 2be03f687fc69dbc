/**
 * Development demo ("Simulate checkout"): drives the Stripe emulator's control API with the brand's
 * own (emulator) key, exactly as a customer paying at Stripe Checkout would, so the whole path —
 * webhook intake, attribution job, conversion — runs for real. Never available in production.
 */
import { z } from "zod";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import { parseAmount, SUPPORTED_CURRENCIES } from "~/domain/money";
import { createEmulatorClient } from "../../../tools/stripe-emulator/client";
import { followReferralLink } from "../attribution/clicks.server";
import { loadStripeCredentials } from "../stripe-account/stripe-connection.server";

export function simulatorEnabled(config: Config): boolean {
  return !config.isProduction && config.stripeMode === "emulator" && Boolean(config.stripeApiBase);
}

export const simulateCheckoutSchema = z
  .object({
    mode: z.enum(["subscription", "payment"], {
      message: "Choose subscription or one-off payment.",
    }),
    amount: z.string().trim().min(1, "Enter a price, e.g. 49.00."),
    currency: z.enum(SUPPORTED_CURRENCIES, { message: "Choose a currency." }),
    code: z
      .string()
      .trim()
      .max(40, "Codes are at most 32 characters.")
      .optional()
      .transform((v) => (v ? v : undefined)),
    link_code: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : undefined)),
  })
  .superRefine((v, ctx) => {
    const parsed = parseAmount(v.amount, v.currency);
    if (!parsed.ok) ctx.addIssue({ code: "custom", path: ["amount"], message: parsed.error });
  });

export interface SimulationIds {
  customer: string;
  subscription: string | null;
  invoice: string | null;
  checkout_session: string;
  payment_intent: string | null;
}

export type SimulateResult =
  | { ok: true; ids: SimulationIds; clickId: string | null }
  | { ok: false; fieldErrors: Partial<Record<"amount" | "code" | "link_code" | "form", string>> };

export async function simulateCheckout(
  db: DB,
  config: Config,
  brandId: string,
  input: z.infer<typeof simulateCheckoutSchema>,
): Promise<SimulateResult> {
  const creds = await loadStripeCredentials(db, config, brandId);
  if (!creds || !config.stripeApiBase) {
    return {
      ok: false,
      fieldErrors: { form: "Connect Stripe (the emulator) under Settings → Stripe first." },
    };
  }
  const amount = parseAmount(input.amount, input.currency);
  if (!amount.ok) return { ok: false, fieldErrors: { amount: amount.error } };

  let clickId: string | null = null;
  if (input.link_code) {
    // Follow the affiliate's link like a browser would: records a click scoped to this brand.
    const followed = await followReferralLink(
      db,
      { ipSalt: config.sessionSecret },
      {
        code: input.link_code,
        method: "GET",
        referrer: null,
        userAgent:
          "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 (Rekomi simulator)",
        ip: null,
      },
    );
    if (followed.kind !== "redirect" || !followed.clickId) {
      return {
        ok: false,
        fieldErrors: {
          link_code: "That link is not active (unknown code or affiliate not approved).",
        },
      };
    }
    const owner = await db
      .selectFrom("clicks")
      .select("brand_id")
      .where("id", "=", followed.clickId)
      .executeTakeFirst();
    if (owner?.brand_id !== brandId)
      return { ok: false, fieldErrors: { link_code: "Unknown link." } };
    clickId = followed.clickId;
  }

  const emulator = createEmulatorClient(config.stripeApiBase);
  try {
    const result = await emulator.checkout({
      api_key: creds.secretKey,
      mode: input.mode,
      amount: amount.value,
      currency: input.currency,
      promotion_code: input.code,
      client_reference_id: clickId ?? undefined,
      customer_email: `customer-${Date.now().toString(36)}@example.com`,
      wait: false,
    });
    return {
      ok: true,
      clickId,
      ids: {
        customer: result.customer,
        subscription: result.subscription ?? null,
        invoice: result.invoice ?? null,
        checkout_session: result.checkout_session,
        payment_intent: result.payment_intent ?? null,
      },
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, fieldErrors: input.code ? { code: message } : { form: message } };
  }
}

export async function simulateRefund(
  db: DB,
  config: Config,
  brandId: string,
  input: { paymentIntent: string; amount?: number },
): Promise<{ ok: true } | { ok: false; message: string }> {
  const creds = await loadStripeCredentials(db, config, brandId);
  if (!creds || !config.stripeApiBase) return { ok: false, message: "Stripe is not connected." };
  try {
    await createEmulatorClient(config.stripeApiBase).refund({
      api_key: creds.secretKey,
      payment_intent: input.paymentIntent,
      amount: input.amount,
      wait: false,
    });
    return { ok: true };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

export interface SimulatedConversion {
  id: string;
  amount: number;
  currency: string;
  commissionAmount: number;
  refundedAmount: number;
  status: string;
  attributionMethod: string;
  couponCode: string | null;
  affiliateName: string | null;
  paymentIntentId: string | null;
}

/** The conversion recorded for a simulated purchase, if the attribution job has produced it yet. */
export async function findSimulatedConversion(
  db: DB,
  brandId: string,
  ids: { session?: string | null; invoice?: string | null },
): Promise<SimulatedConversion | null> {
  if (!ids.session && !ids.invoice) return null;
  const row = await db
    .selectFrom("conversions")
    .leftJoin("affiliates", "affiliates.id", "conversions.affiliate_id")
    .select([
      "conversions.id",
      "conversions.amount",
      "conversions.currency",
      "conversions.commission_amount",
      "conversions.refunded_amount",
      "conversions.status",
      "conversions.attribution_method",
      "conversions.coupon_code",
      "conversions.stripe_payment_intent_id",
      "affiliates.name as affiliate_name",
    ])
    .where("conversions.brand_id", "=", brandId)
    .where((eb) =>
      eb.or([
        ...(ids.session ? [eb("conversions.stripe_checkout_session_id", "=", ids.session)] : []),
        ...(ids.invoice ? [eb("conversions.stripe_invoice_id", "=", ids.invoice)] : []),
      ]),
    )
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    amount: Number(row.amount),
    currency: row.currency,
    commissionAmount: Number(row.commission_amount),
    refundedAmount: Number(row.refunded_amount),
    status: row.status,
    attributionMethod: row.attribution_method,
    couponCode: row.coupon_code,
    affiliateName: row.affiliate_name,
    paymentIntentId: row.stripe_payment_intent_id,
  };
}

/** Approved affiliates' links and active codes of the brand, to pick from in the simulator. */
export async function simulatorOptions(db: DB, brandId: string) {
  const links = await db
    .selectFrom("enrollments")
    .innerJoin("affiliates", "affiliates.id", "enrollments.affiliate_id")
    .innerJoin("campaigns", "campaigns.id", "enrollments.campaign_id")
    .select([
      "enrollments.link_code",
      "affiliates.name as affiliate_name",
      "campaigns.name as campaign_name",
    ])
    .where("enrollments.brand_id", "=", brandId)
    .where("affiliates.status", "=", "approved")
    .orderBy("affiliates.name")
    .limit(200)
    .execute();
  const codes = await db
    .selectFrom("affiliate_coupons")
    .innerJoin("affiliates", "affiliates.id", "affiliate_coupons.affiliate_id")
    .select(["affiliate_coupons.code", "affiliates.name as affiliate_name"])
    .where("affiliate_coupons.brand_id", "=", brandId)
    .where("affiliate_coupons.active", "=", true)
    .where("affiliate_coupons.deleted_at", "is", null)
    .orderBy("affiliate_coupons.code")
    .limit(200)
    .execute();
  return { links, codes };
}
