/**
 * Refunds and the commission ledger of one conversion. Pure: no I/O.
 *
 * The ledger (`commission_entries`) is append-only with signed minor units. For one conversion:
 *   affiliate net = sum(commission) + sum(clawback)          must equal commissionFor(terms, unrefunded).commission
 *   parent net    = sum(override) + sum(override_clawback)   must equal commissionFor(terms, unrefunded).override
 * where unrefunded = amount - refundedAmount. `computeLedgerAdjustments` returns exactly the entries
 * that are missing, so calling it again with the same (or an older, smaller) refund figure returns
 * none: duplicates and reordered `charge.refunded` events are harmless.
 *
 * The same function posts the original `commission` / `override` entries when the conversion has
 * none yet, so recording a conversion and applying a refund that arrived before it share one path.
 *
 * Rules decided here:
 * - The refunded amount only grows: the effective figure is max(previously stored, reported).
 * - Status: `refunded` when refunded >= amount > 0; `partially_refunded` when 0 < refunded < amount;
 *   otherwise `approved`. A $0 conversion has no charge, so it can never be refunded: it stays
 *   `approved`, posts nothing, and keeps its redemption.
 * - A flat commission is kept in full while any part of the amount is unrefunded and clawed back in
 *   full on a full refund ("the commission on the unrefunded amount", with the flat rule).
 * - The redemption counter goes down by one exactly when the conversion becomes fully refunded
 *   (previous refunded < amount <= new refunded) and it had counted a redemption.
 * - Entries are never posted for 0, and clawbacks are never reversed (a ledger already clawed back
 *   further than the target is left as it is and reported as `shortfall`).
 */
import { type CommissionTerms, commissionFor } from "./commission";
import type { ConversionStatus } from "./conversion-enums";

export type LedgerKind = "commission" | "override" | "clawback" | "override_clawback";

export interface LedgerEntry {
  kind: LedgerKind;
  affiliateId: string;
  /** Signed minor units: positive for commission/override, negative for clawbacks. */
  amount: number;
  currency: string;
}

/** An entry already posted for this conversion (only kind and amount matter for the sums). */
export type PostedEntry = Pick<LedgerEntry, "kind" | "amount"> &
  Partial<Pick<LedgerEntry, "affiliateId" | "currency">>;

export interface LedgerAdjustmentInput {
  /** The conversion amount (net of tax), minor units. */
  amount: number;
  /**
   * The commission terms stored with the conversion (`CommissionResult.terms`); null when nobody
   * was credited (the conversion may still carry a redemption and a refund status).
   */
  terms: CommissionTerms | null;
  /** The refunded amount stored on the conversion before this update (0 for a new conversion). */
  previousRefundedAmount: number;
  /**
   * The cumulative refunded amount reported now, in conversion terms: the charge's
   * `amount_refunded` (or `refundedShareOfConversion` of it when the charge includes tax), or the
   * largest pending figure when the refund arrived before the conversion. Smaller than the
   * previous figure is fine: the larger one is kept.
   */
  refundedAmount: number;
  /** Whether this conversion counted a redemption (+1) on an affiliate code. */
  redemptionCounted: boolean;
  /** Entries already posted for this conversion. */
  ledger: readonly PostedEntry[];
}

export interface LedgerAdjustmentResult {
  /** The refunded amount to store: max(previous, reported), capped at the amount. */
  refundedAmount: number;
  status: ConversionStatus;
  previousStatus: ConversionStatus;
  /** The conversion just became fully refunded (emit `conversion.refunded` once). */
  becameRefunded: boolean;
  /** New entries to append, in order: commission, override, clawback, override_clawback. */
  entries: LedgerEntry[];
  /** Change to the code's redemption counter: -1 once, when a counted conversion becomes fully refunded. */
  redemptionDelta: 0 | -1;
  /** What the nets are after the new entries. */
  target: { commission: number; override: number };
  /** Net below the target because the ledger was already clawed back further (clawbacks are never reversed); 0 in a consistent ledger. */
  shortfall: { commission: number; override: number };
}

function assertAmount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`${what} must be a non-negative safe integer, got ${value}`);
}

export function statusFor(amount: number, refundedAmount: number): ConversionStatus {
  if (amount <= 0 || refundedAmount <= 0) return "approved";
  return refundedAmount >= amount ? "refunded" : "partially_refunded";
}

/**
 * The part of a conversion amount a charge refund covers, when the charge is larger than the
 * conversion (tax is part of the charge, not of the conversion): floor(amount * refunded / charge),
 * capped at `amount`. Floor keeps "fully refunded" exact: the share equals `amount` only when the
 * whole charge is refunded. Without tax (charge == amount) it is `min(amountRefunded, amount)`.
 */
export function refundedShareOfConversion(input: {
  amount: number;
  chargeAmount: number;
  amountRefunded: number;
}): number {
  const { amount, chargeAmount, amountRefunded } = input;
  assertAmount(amount, "amount");
  assertAmount(chargeAmount, "chargeAmount");
  assertAmount(amountRefunded, "amountRefunded");
  if (chargeAmount === 0 || amount === 0) return 0;
  if (amountRefunded >= chargeAmount) return amount;
  return Number((BigInt(amount) * BigInt(amountRefunded)) / BigInt(chargeAmount));
}

function sumKinds(ledger: readonly PostedEntry[], kinds: readonly LedgerKind[]): number {
  let total = 0;
  for (const e of ledger) {
    if (!Number.isSafeInteger(e.amount))
      throw new RangeError(`Ledger amounts must be safe integers, got ${e.amount}`);
    if (kinds.includes(e.kind)) total += e.amount;
  }
  return total;
}

/** The entries (and status, counter delta) that bring one conversion's ledger to its target. */
export function computeLedgerAdjustments(input: LedgerAdjustmentInput): LedgerAdjustmentResult {
  const { amount, terms, ledger } = input;
  assertAmount(amount, "amount");
  assertAmount(input.previousRefundedAmount, "previousRefundedAmount");
  assertAmount(input.refundedAmount, "refundedAmount");

  const previous = Math.min(input.previousRefundedAmount, amount);
  const refunded = Math.min(Math.max(input.previousRefundedAmount, input.refundedAmount), amount);
  const previousStatus = statusFor(amount, previous);
  const status = statusFor(amount, refunded);
  const becameRefunded = status === "refunded" && previousStatus !== "refunded";

  const none = { commission: 0, override: 0 };
  const original = terms ? commissionFor(terms, amount) : none;
  const target = terms ? commissionFor(terms, amount - refunded) : none;
  const entries: LedgerEntry[] = [];
  const shortfall = { commission: 0, override: 0 };

  const sides = [
    {
      base: "commission",
      claw: "clawback",
      affiliateId: terms?.affiliateId ?? null,
      original: original.commission,
      target: target.commission,
      key: "commission",
    },
    {
      base: "override",
      claw: "override_clawback",
      affiliateId: terms?.override?.affiliateId ?? null,
      original: original.override,
      target: target.override,
      key: "override",
    },
  ] as const;

  const clawbacks: LedgerEntry[] = [];
  for (const side of sides) {
    const hasBase = ledger.some((e) => e.kind === side.base);
    let net = sumKinds(ledger, [side.base, side.claw]);
    if (side.affiliateId === null || terms === null) continue;
    if (!hasBase && side.original > 0) {
      entries.push({
        kind: side.base,
        affiliateId: side.affiliateId,
        amount: side.original,
        currency: terms.currency,
      });
      net += side.original;
    }
    if (net > side.target) {
      clawbacks.push({
        kind: side.claw,
        affiliateId: side.affiliateId,
        amount: side.target - net,
        currency: terms.currency,
      });
    } else if (net < side.target) {
      shortfall[side.key] = side.target - net;
    }
  }
  entries.push(...clawbacks);

  return {
    refundedAmount: refunded,
    status,
    previousStatus,
    becameRefunded,
    entries,
    redemptionDelta: becameRefunded && input.redemptionCounted ? -1 : 0,
    target: { commission: target.commission, override: target.override },
    shortfall,
  };
}
