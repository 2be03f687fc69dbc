import { formatMoney, formatPercent } from "~/domain/money";

/**
 * "Why this affiliate?": a conversion's stored decision record in plain words — every candidate
 * seen (existing binding, S2S report, link click, affiliate code), whether it could earn, which
 * rule picked the winner, and how the commission was computed. Tolerant of partial records.
 */

interface Candidate {
  source?: string;
  affiliateId?: string;
  campaignId?: string;
  code?: string;
  method?: string;
  boundAt?: string;
  clickedAt?: string;
  overridesClickAttribution?: boolean;
  alreadyRedeemedByCustomer?: boolean;
  eligible?: boolean;
  ineligibleReason?: string | null;
  selected?: boolean;
}

export interface DecisionView {
  rule?: string;
  winner?: { affiliateId?: string; method?: string } | null;
  candidates?: Candidate[];
  countsRedemptionOn?: string | null;
  commission?: {
    amount?: number;
    currency?: string;
    reason?: string;
    rule?: { type?: string; bps?: number; amount?: number; source?: string };
    override?: { affiliateId?: string; bps?: number; amount?: number } | null;
    overrideReason?: string;
  } | null;
}

const INELIGIBLE: Record<string, string> = {
  affiliate_pending: "the affiliate is still pending approval",
  affiliate_rejected: "the affiliate was rejected",
  affiliate_suspended: "the affiliate is suspended",
};

export function ineligibleText(reason: string | null | undefined): string {
  if (!reason) return "it could not earn";
  return INELIGIBLE[reason] ?? reason.replace(/_/g, " ");
}

type Names = Record<string, string>;

function who(names: Names, id: string | undefined): string {
  if (!id) return "an affiliate";
  return names[id] ?? "a removed affiliate";
}

function sourceText(c: Candidate): string {
  switch (c.source) {
    case "existing_referral":
      return `Existing customer binding (${c.method === "coupon" ? "code" : c.method === "s2s" ? "S2S" : "link"})`;
    case "s2s":
      return "S2S report";
    case "click":
      return "Referral link click";
    case "coupon":
      return c.code ? `Affiliate code ${c.code}` : "Affiliate code";
    default:
      return c.source ?? "Unknown";
  }
}

/** The rule that picked the winner, as a sentence. */
export function ruleText(d: DecisionView, names: Names): string {
  const cs = d.candidates ?? [];
  const winner = who(names, d.winner?.affiliateId);
  const byKind = (k: string) => cs.find((c) => c.source === k);
  const code = byKind("coupon")?.code;
  switch (d.rule) {
    case "s2s_report":
      return `Your server reported this sale (S2S) for ${winner}. An S2S report names the affiliate directly, so it wins outright.`;
    case "existing_binding":
      return `This customer was already bound to ${winner} by an earlier purchase, so this payment credits the same affiliate (a customer stays with the affiliate who first brought them).`;
    case "existing_binding_ineligible":
      return `This customer is bound to ${who(names, byKind("existing_referral")?.affiliateId)}, but ${ineligibleText(byKind("existing_referral")?.ineligibleReason)}, so nobody was credited.`;
    case "coupon_only":
      return `The customer used the affiliate code ${code ?? ""} and no link click was seen, so the code's affiliate ${winner} was credited.`;
    case "link_only":
      return `The customer came through ${winner}'s referral link and used no affiliate code, so ${winner} was credited.`;
    case "coupon_overrides_click":
      return `The customer came through a referral link and also used the code ${code ?? ""}. That code's coupon is set to override link attribution, so the code's affiliate ${winner} was credited.`;
    case "click_wins_coupon_counted":
      return `The customer came through a referral link and also used the code ${code ?? ""}. That code's coupon is set not to override link attribution, so the link's affiliate ${winner} was credited; the redemption still counts on the code.`;
    case "coupon_wins_click_ineligible":
      return `The customer came through a referral link and used the code ${code ?? ""}, but ${ineligibleText(byKind("click")?.ineligibleReason)} for the link, so the code's affiliate ${winner} was credited.`;
    case "click_wins_coupon_ineligible":
      return `The customer used the code ${code ?? ""} and came through a referral link, but ${ineligibleText(byKind("coupon")?.ineligibleReason)} for the code, so the link's affiliate ${winner} was credited.`;
    case "no_eligible_signal":
      return "Affiliate signals were seen, but none of their affiliates could earn, so nobody was credited.";
    case "no_signal":
      return "No referral link click, affiliate code or binding was seen, so nobody was credited.";
    default:
      return d.winner ? `${winner} was credited.` : "Nobody was credited.";
  }
}

function commissionText(d: DecisionView, names: Names): string | null {
  const c = d.commission;
  if (!c || c.amount === undefined || !c.currency) return null;
  const amount = formatMoney(c.amount, c.currency);
  let how: string;
  switch (c.reason) {
    case "campaign_percent":
      how = `the campaign's ${formatPercent(c.rule?.bps ?? 0)} of the payment`;
      break;
    case "code_percent":
      how = `the code's own rate of ${formatPercent(c.rule?.bps ?? 0)}, which replaces the campaign's`;
      break;
    case "flat":
      how = "the campaign's flat commission per payment";
      break;
    case "zero_amount":
      how = "nothing, because the payment was zero";
      break;
    case "outside_recurring_window":
      how = "nothing, because this payment is past the campaign's recurring months";
      break;
    case "flat_currency_mismatch":
      how = "nothing, because the flat commission is in another currency than the payment";
      break;
    default:
      how = c.reason ? c.reason.replace(/_/g, " ") : "the campaign's rule";
  }
  let text = `Commission at the time of the sale: ${amount} — ${how}.`;
  if (c.override && c.override.amount !== undefined && c.override.bps !== undefined) {
    text += ` ${who(names, c.override.affiliateId)} (the parent affiliate) earns a ${formatPercent(c.override.bps)} sub-affiliate override: ${formatMoney(c.override.amount, c.currency)}.`;
  }
  return text;
}

export function DecisionRecord({
  decision,
  affiliateNames,
  campaignNames,
}: {
  decision: DecisionView;
  affiliateNames: Names;
  campaignNames: Names;
}) {
  const candidates = decision.candidates ?? [];
  const commission = commissionText(decision, affiliateNames);
  return (
    <section aria-labelledby="why-heading" className="card decision-record">
      <h2 id="why-heading" style={{ marginTop: 0 }}>
        Why this affiliate?
      </h2>
      <p>{ruleText(decision, affiliateNames)}</p>
      {commission ? <p>{commission}</p> : null}
      <h3>Candidates seen</h3>
      {candidates.length === 0 ? (
        <p className="muted">No affiliate signal was attached to this sale.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Every affiliate signal seen for this sale</caption>
            <thead>
              <tr>
                <th scope="col">Signal</th>
                <th scope="col">Affiliate</th>
                <th scope="col">Campaign</th>
                <th scope="col">Could earn?</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {candidates.map((c, i) => (
                <tr key={i} aria-current={c.selected ? "true" : undefined}>
                  <td>{sourceText(c)}</td>
                  <td>{who(affiliateNames, c.affiliateId)}</td>
                  <td>
                    {c.campaignId ? (campaignNames[c.campaignId] ?? "A removed campaign") : "—"}
                  </td>
                  <td>
                    {c.eligible === false ? `No: ${ineligibleText(c.ineligibleReason)}` : "Yes"}
                  </td>
                  <td>
                    {c.selected ? (
                      <strong>Credited</strong>
                    ) : (
                      <span className="muted">Not credited</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {decision.rule ? (
        <details className="small muted">
          <summary>For support</summary>
          Decision rule id: <span className="mono">{decision.rule}</span> (the sentence above says
          the same in words).
        </details>
      ) : null}
    </section>
  );
}
