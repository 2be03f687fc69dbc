/**
 * A conversion's settlement (pure): what its ledger, refunded amount, status and redemption
 * counter become for a refund figure. Shared by a new conversion (settled before it is written),
 * a refund of a recorded one and a server-to-server report.
 */
import {
  computeLedgerAdjustments,
  type LedgerAdjustmentResult,
  type PostedEntry,
  refundedShareOfConversion,
} from "./clawback";
import type { CommissionTerms } from "./commission";

/** A charge's cumulative refund figure (`charge.refunded`, or kept until the conversion lands). */
export interface RefundFigure {
  chargeId: string;
  chargeAmount: number;
  amountRefunded: number;
}

export interface Settlement {
  result: LedgerAdjustmentResult;
  /** The nets after the new entries (the conversion's `commission_amount` / `override_amount`). */
  commissionAmount: number;
  overrideAmount: number;
}

/** One code's redemption counter change (applied atomically, never below 0). */
export interface CounterDelta {
  couponId: string;
  delta: number;
}

/** The stored `terms` jsonb as commission terms (null: nobody was credited). */
export function parseTerms(value: unknown): CommissionTerms | null {
  if (!value || typeof value !== "object") return null;
  return value as CommissionTerms;
}

/** What one conversion's ledger, refunded amount and status become for a refund figure. */
export function planSettlement(
  conversion: {
    amount: number;
    terms: CommissionTerms | null;
    refundedAmount: number;
    redemptionCounted: boolean;
  },
  refund: RefundFigure | null,
  ledger: readonly PostedEntry[],
): Settlement {
  const amount = conversion.amount;
  const share = refund
    ? refundedShareOfConversion({
        amount,
        chargeAmount: Math.max(refund.chargeAmount, amount),
        amountRefunded: refund.amountRefunded,
      })
    : 0;
  const result = computeLedgerAdjustments({
    amount,
    terms: conversion.terms,
    previousRefundedAmount: conversion.refundedAmount,
    refundedAmount: share,
    redemptionCounted: conversion.redemptionCounted,
    ledger,
  });
  const all = [...ledger, ...result.entries];
  const sum = (kinds: string[]) =>
    all.filter((e) => kinds.includes(e.kind)).reduce((s, e) => s + e.amount, 0);
  return {
    result,
    commissionAmount: sum(["commission", "clawback"]),
    overrideAmount: sum(["override", "override_clawback"]),
  };
}

/** The counter release a settlement implies: -1 on the code when a counted conversion became fully refunded. */
export function redemptionRelease(
  conversion: { affiliateCouponId: string | null; redemptionCounted: boolean },
  result: LedgerAdjustmentResult,
): CounterDelta[] {
  return result.redemptionDelta !== 0 &&
    conversion.affiliateCouponId &&
    conversion.redemptionCounted
    ? [{ couponId: conversion.affiliateCouponId, delta: -1 }]
    : [];
}
