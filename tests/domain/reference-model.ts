/**
 * A small reference model of Rekomi's attribution rules (DESIGN.md section 5), written from the
 * rules alone: it imports nothing from app/, uses plain Number arithmetic and its own calendar
 * code, so it can catch bugs in the real implementation (app/domain/* and the services/job).
 *
 * Input: a world (affiliates, campaigns, affiliate codes, clicks) and the operations as they
 * happened in reality, in chronological order. Output: the conversions, redemption counters and
 * ledger totals that any correct implementation must end up with, whatever order and however many
 * times the corresponding Stripe events are delivered.
 *
 * Semantics (the rules, restated):
 * - Each checkout/renewal is one conversion, keyed by its id.
 * - A customer is bound by the first conversion (in reality order) that has a creditable signal.
 *   A bound customer's later conversions credit the binding (even with new codes/clicks); if the
 *   bound affiliate is not approved nobody is credited and the binding stays.
 * - Unbound: click and code both creditable -> the code's `overridesClick` decides (true: code's
 *   affiliate, false: click's affiliate); only one creditable -> it wins; an affiliate that is not
 *   approved cannot be credited.
 * - A code counts +1 redemption the first time a customer uses it (whoever is credited), and -1
 *   when that conversion becomes fully refunded.
 * - Commission: the credited code's own rate (bps) if it has one, else the campaign's percent
 *   (bps, half-up) or flat amount (only in the flat currency; 0 on $0). Recurring window anchored
 *   at the period start of the binding's first conversion with amount > 0: null = forever,
 *   0 = only that first payment, N = period start before anchor + N calendar months (day clamped
 *   to month end, UTC).
 * - Override: the credited affiliate's parent, if approved, earns overrideBps of the amount
 *   (half-up), one tier only, inside the recurring window.
 * - Refunds carry cumulative `amountRefunded`; the largest seen counts (capped at the amount); the
 *   net commission and override become those of the unrefunded amount. $0 conversions cannot be
 *   refunded.
 *
 * Every checkout/renewal yields a model conversion, even with nobody credited. An implementation
 * that does not store payments without any affiliate signal should compare only the conversions
 * with `affiliateId !== null || countedCode !== null` (the others carry no money and no counter).
 */

export interface ModelAffiliate {
  parentId: string | null;
  approved: boolean;
}

export type ModelCommission =
  { type: "percent"; bps: number } | { type: "flat"; amount: number; currency: string };

export interface ModelCampaign {
  commission: ModelCommission;
  recurringMonths: number | null;
  overrideBps: number;
}

export interface ModelCode {
  affiliateId: string;
  campaignId: string;
  overridesClick: boolean;
  rateBps: number | null;
}

export interface ModelClick {
  affiliateId: string;
  campaignId: string;
}

export interface ModelWorld {
  affiliates: Record<string, ModelAffiliate>;
  campaigns: Record<string, ModelCampaign>;
  codes: Record<string, ModelCode>;
  clicks: Record<string, ModelClick>;
}

export type ModelOp =
  | {
      type: "checkout";
      id: string;
      customer: string;
      /** ISO time of the payment; also the period start of the payment. */
      at: string;
      amount: number;
      currency: string;
      code?: string | null;
      click?: string | null;
    }
  | {
      type: "renewal";
      id: string;
      /** The checkout that started the subscription. */
      of: string;
      periodStart: string;
      amount: number;
      /** A code still on the invoice (forever coupon), if any. */
      code?: string | null;
    }
  | { type: "refund"; conversion: string; amountRefunded: number };

export type ModelStatus = "approved" | "partially_refunded" | "refunded";

export interface ModelConversion {
  id: string;
  customer: string;
  affiliateId: string | null;
  campaignId: string | null;
  method: "link" | "coupon" | null;
  amount: number;
  currency: string;
  periodStart: string;
  refundedAmount: number;
  status: ModelStatus;
  countedCode: string | null;
  /** Original amounts (before refunds). */
  commission: number;
  overrideAffiliateId: string | null;
  override: number;
  /** Nets after refunds. */
  commissionNet: number;
  overrideNet: number;
}

export interface ModelLedgerTotals {
  commission: number;
  override: number;
  clawback: number;
  override_clawback: number;
}

export interface ModelResult {
  conversions: Record<string, ModelConversion>;
  counters: Record<string, number>;
  /** Per conversion: sums of each ledger kind (clawbacks negative). */
  ledger: Record<string, ModelLedgerTotals>;
  /** Per `${affiliateId}|${currency}`: net balance. */
  balances: Record<string, number>;
}

interface Binding {
  affiliateId: string;
  campaignId: string;
  method: "link" | "coupon";
  rateBps: number | null;
  anchor: string | null;
}

/** Half-up share in plain Number arithmetic (amount * bps stays far below 2^53 in the model). */
function share(amount: number, bps: number): number {
  const product = amount * bps;
  if (!Number.isSafeInteger(product))
    throw new Error("model: amount too large for the reference model");
  const whole = Math.floor(product / 10000);
  return product % 10000 >= 5000 ? whole + 1 : whole;
}

function plusMonths(iso: string, months: number): number {
  const d = new Date(iso);
  const firstOfTarget = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const y = firstOfTarget.getUTCFullYear();
  const m = firstOfTarget.getUTCMonth();
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(
    y,
    m,
    Math.min(d.getUTCDate(), lastDay),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

function inWindow(
  recurringMonths: number | null,
  anchor: string | null,
  periodStart: string,
): boolean {
  if (recurringMonths === null || anchor === null) return true;
  const start = Date.parse(periodStart);
  if (recurringMonths === 0) return start <= Date.parse(anchor);
  return start < plusMonths(anchor, recurringMonths);
}

type Terms = { kind: "bps"; bps: number } | { kind: "flat"; amount: number } | { kind: "zero" };

function earn(terms: Terms, amount: number): number {
  if (terms.kind === "bps") return share(amount, terms.bps);
  if (terms.kind === "flat") return amount > 0 ? terms.amount : 0;
  return 0;
}

export function runReferenceModel(world: ModelWorld, ops: readonly ModelOp[]): ModelResult {
  const bindings = new Map<string, Binding>();
  const redeemed = new Set<string>();
  const counters: Record<string, number> = {};
  const conversions: Record<string, ModelConversion> = {};
  const terms = new Map<string, { commission: Terms; overrideBps: number }>();
  const checkouts = new Map<string, { customer: string; currency: string }>();

  const approved = (affiliateId: string) => world.affiliates[affiliateId]?.approved === true;

  for (const op of ops) {
    if (op.type === "refund") {
      const c = conversions[op.conversion];
      if (!c) throw new Error(`model: refund before its conversion in reality: ${op.conversion}`);
      if (c.amount === 0) continue;
      const refunded = Math.min(c.amount, Math.max(c.refundedAmount, op.amountRefunded));
      const wasFull = c.refundedAmount >= c.amount;
      c.refundedAmount = refunded;
      c.status =
        refunded >= c.amount ? "refunded" : refunded > 0 ? "partially_refunded" : "approved";
      if (!wasFull && c.status === "refunded" && c.countedCode) counters[c.countedCode] -= 1;
      const t = terms.get(c.id);
      if (t) {
        c.commissionNet = earn(t.commission, c.amount - refunded);
        c.overrideNet = c.overrideAffiliateId ? share(c.amount - refunded, t.overrideBps) : 0;
      }
      continue;
    }

    if (conversions[op.id]) throw new Error(`model: duplicate conversion id ${op.id}`);
    let customer: string;
    let currency: string;
    let periodStart: string;
    let click: string | null = null;
    if (op.type === "checkout") {
      customer = op.customer;
      currency = op.currency;
      periodStart = op.at;
      click = op.click ?? null;
      checkouts.set(op.id, { customer, currency });
    } else {
      const parent = checkouts.get(op.of);
      if (!parent) throw new Error(`model: renewal of an unknown checkout ${op.of}`);
      customer = parent.customer;
      currency = parent.currency;
      periodStart = op.periodStart;
    }
    const code = op.code ?? null;

    // Who is credited.
    let binding = bindings.get(customer) ?? null;
    let credited: Binding | null = null;
    if (binding) {
      credited = approved(binding.affiliateId) ? binding : null;
    } else {
      const k = code ? world.codes[code] : undefined;
      const c = click ? world.clicks[click] : undefined;
      const kOk = k !== undefined && approved(k.affiliateId);
      const cOk = c !== undefined && approved(c.affiliateId);
      let pick: Binding | null = null;
      const byCode = (): Binding => ({
        affiliateId: k!.affiliateId,
        campaignId: k!.campaignId,
        method: "coupon",
        rateBps: k!.rateBps,
        anchor: null,
      });
      const byClick = (): Binding => ({
        affiliateId: c!.affiliateId,
        campaignId: c!.campaignId,
        method: "link",
        rateBps: null,
        anchor: null,
      });
      if (kOk && cOk) pick = k!.overridesClick ? byCode() : byClick();
      else if (kOk) pick = byCode();
      else if (cOk) pick = byClick();
      if (pick) {
        bindings.set(customer, pick);
        binding = pick;
        credited = pick;
      }
    }

    // Redemption counter: first use of a code by a customer.
    let countedCode: string | null = null;
    if (code && world.codes[code] && !redeemed.has(`${customer}|${code}`)) {
      redeemed.add(`${customer}|${code}`);
      counters[code] = (counters[code] ?? 0) + 1;
      countedCode = code;
    }

    const conv: ModelConversion = {
      id: op.id,
      customer,
      affiliateId: credited?.affiliateId ?? null,
      campaignId: credited?.campaignId ?? null,
      method: credited?.method ?? null,
      amount: op.amount,
      currency,
      periodStart,
      refundedAmount: 0,
      status: "approved",
      countedCode,
      commission: 0,
      overrideAffiliateId: null,
      override: 0,
      commissionNet: 0,
      overrideNet: 0,
    };

    if (credited) {
      const campaign = world.campaigns[credited.campaignId];
      const eligible = inWindow(campaign.recurringMonths, credited.anchor, periodStart);
      if (credited.anchor === null && op.amount > 0) credited.anchor = periodStart;
      if (eligible) {
        let commissionTerms: Terms;
        if (credited.rateBps !== null) commissionTerms = { kind: "bps", bps: credited.rateBps };
        else if (campaign.commission.type === "percent")
          commissionTerms = { kind: "bps", bps: campaign.commission.bps };
        else if (campaign.commission.currency === currency)
          commissionTerms = { kind: "flat", amount: campaign.commission.amount };
        else commissionTerms = { kind: "zero" };
        const parentId = world.affiliates[credited.affiliateId].parentId;
        const parentPays = parentId !== null && approved(parentId) && campaign.overrideBps > 0;
        terms.set(op.id, {
          commission: commissionTerms,
          overrideBps: parentPays ? campaign.overrideBps : 0,
        });
        conv.commission = earn(commissionTerms, op.amount);
        conv.commissionNet = conv.commission;
        if (parentPays) {
          conv.overrideAffiliateId = parentId;
          conv.override = share(op.amount, campaign.overrideBps);
          conv.overrideNet = conv.override;
        }
      }
    }
    conversions[op.id] = conv;
  }

  const ledger: Record<string, ModelLedgerTotals> = {};
  const balances: Record<string, number> = {};
  for (const c of Object.values(conversions)) {
    ledger[c.id] = {
      commission: c.commission,
      override: c.override,
      clawback: c.commissionNet - c.commission,
      override_clawback: c.overrideNet - c.override,
    };
    if (c.affiliateId && (c.commission !== 0 || c.commissionNet !== 0)) {
      const key = `${c.affiliateId}|${c.currency}`;
      balances[key] = (balances[key] ?? 0) + c.commissionNet;
    }
    if (c.overrideAffiliateId) {
      const key = `${c.overrideAffiliateId}|${c.currency}`;
      balances[key] = (balances[key] ?? 0) + c.overrideNet;
    }
  }
  return { conversions, counters, ledger, balances };
}
