/**
 * Collect one payment's inputs (read-only: database + Stripe through the `StripeFacts` memo): the
 * customer's payment history, completed from Stripe when a decision needs payments Rekomi has not
 * seen (C is new, or P is newer than the last look and could bind / anchor / redeem), and the
 * signal look-ups. The gather phase runs it outside the transaction to make the Stripe calls; the
 * apply phase runs it again inside (memo hits).
 */
import type { AffiliateStatus, ReferralRow } from "~/db/schema";
import type { DB } from "~/db/db.server";
import { mergeHistory, parseHistory, type PaymentRecord } from "~/domain/payment-history";
import { isBefore, type PaymentSignals } from "~/domain/payment-plan";
import { loadPaymentState, type PaymentState } from "./payment-state.server";
import { SignalResolver } from "./signals";
import type { CustomerScan, StripeFacts } from "./stripe-facts";

const toSeconds = (d: Date | string) =>
  Math.floor((d instanceof Date ? d : new Date(d)).getTime() / 1000);

export interface Collected {
  payment: PaymentRecord;
  history: PaymentRecord[];
  hadCustomerRow: boolean;
  scannedThrough: number | null;
  scan: CustomerScan | null;
  referral: ReferralRow | null;
  referralAffiliateStatus: AffiliateStatus | null;
  resolver: SignalResolver;
}

/** Whether an earlier payment of the customer used the same affiliate code. */
function usedEarlier(
  history: readonly PaymentRecord[],
  resolver: SignalResolver,
  p: PaymentRecord,
  couponId: string,
) {
  return history.some(
    (r) => isBefore(r, p) && resolver.couponOf(r)?.affiliateCouponId === couponId,
  );
}

function boundKey(referral: ReferralRow) {
  return { at: toSeconds(referral.bound_at), key: referral.bound_payment_key };
}

export async function collectPayment(
  q: DB,
  facts: StripeFacts,
  brandId: string,
  payment: PaymentRecord,
  known?: PaymentState,
): Promise<Collected> {
  const customerId = payment.customerId;
  const state = known ?? (await loadPaymentState(q, brandId, payment));
  const row = state.customer ?? undefined;
  const referral = customerId ? state.referral : null;
  let history = mergeHistory(row ? parseHistory(row.payments) : [], [payment]);
  const resolver = new SignalResolver(q, brandId, row?.click_ref ?? null);
  if (facts.signals) resolver.seedFrom(facts.signals);
  if (state.subscription)
    resolver.knowSubscription(state.subscription.id, state.subscription.signals);
  await resolver.load(history);
  let p = history.find((r) => r.key === payment.key) ?? payment;
  const scannedThrough = row?.scanned_through ? toSeconds(row.scanned_through) : null;

  let needScan = false;
  if (customerId) {
    if (!row || scannedThrough === null) needScan = true;
    else if (p.at >= scannedThrough) {
      const coupon = resolver.couponOf(p);
      const click = resolver.clickCandidate(p);
      const creditable =
        (coupon !== null && coupon.affiliateStatus === "approved") ||
        (click !== null && !click.ineligibleReason);
      if (!referral) needScan = creditable;
      else if (referral.anchor_at === null && p.amount > 0 && !isBefore(p, boundKey(referral)))
        needScan = true;
      if (!needScan && coupon && !usedEarlier(history, resolver, p, coupon.affiliateCouponId))
        needScan = true;
    }
  }

  let scan: CustomerScan | null = null;
  if (needScan && customerId) {
    scan = await facts.scanCustomer(customerId);
    history = mergeHistory(history, scan.payments);
    resolver.customerClickRef = scan.clickRef ?? resolver.customerClickRef;
    await resolver.load(history);
    p = history.find((r) => r.key === payment.key) ?? p;
  }
  facts.signals ??= resolver;
  return {
    payment: p,
    history,
    hadCustomerRow: row !== undefined,
    referralAffiliateStatus: state.referralAffiliateStatus,
    scannedThrough: scan ? Math.max(scan.scannedThrough, scannedThrough ?? 0) : scannedThrough,
    scan,
    referral,
    resolver,
  };
}

/** Every payment's own signals (its click and code candidates), by key: the payment plan's input. */
export function paymentSignals(c: Collected): Map<string, PaymentSignals> {
  const out = new Map<string, PaymentSignals>();
  for (const r of c.history) {
    const couponInfo = c.resolver.couponOf(r);
    const already = couponInfo
      ? usedEarlier(c.history, c.resolver, r, couponInfo.affiliateCouponId)
      : false;
    out.set(r.key, {
      click: c.resolver.clickCandidate(r),
      coupon: c.resolver.couponCandidate(r, already),
    });
  }
  return out;
}
