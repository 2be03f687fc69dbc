import type { ReactNode } from "react";
import { CopyButton } from "./CopyButton";

export interface CodeListItem {
  id: string;
  code: string;
  /** The discount in words, e.g. "20% off your first payment". */
  discount: string;
  couponName: string;
  campaignName: string;
  redemptionCount: number;
  maxRedemptions: number | null;
  /** Per-code commission in words when it overrides the campaign's, else null. */
  commission: string | null;
  active: boolean;
  /** Why it stopped working ("Deactivated in Stripe"), when inactive. */
  inactiveLabel: string | null;
  /** The last Stripe sync failure for this code, if any. */
  syncError: string | null;
  /** Stripe has not confirmed the latest change yet (Rekomi keeps retrying). */
  stripePending?: boolean;
  /** Deleted, still listed while Stripe has not confirmed its removal (no actions). */
  deleted?: boolean;
  createdBy: "brand" | "affiliate" | "api";
  expiresAt: string | null;
}

const CREATED_BY: Record<CodeListItem["createdBy"], string> = {
  brand: "Brand",
  affiliate: "Affiliate",
  api: "API",
};

/**
 * Affiliate codes as a table: the code with a Copy button, the discount in words, redemptions,
 * status (with the reason and any Stripe sync problem), and optional per-row actions.
 */
export function CodeList({
  codes,
  caption,
  showCampaign = false,
  showCreatedBy = false,
  showCommission = false,
  actions,
  empty,
}: {
  codes: CodeListItem[];
  caption: string;
  showCampaign?: boolean;
  showCreatedBy?: boolean;
  showCommission?: boolean;
  actions?: (code: CodeListItem) => ReactNode;
  empty: ReactNode;
}) {
  if (codes.length === 0) return <>{empty}</>;
  return (
    <div className="table-wrap">
      <table className="code-list">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Code</th>
            <th scope="col">Discount</th>
            {showCampaign ? <th scope="col">Campaign</th> : null}
            <th scope="col" className="num">
              Redemptions
            </th>
            {showCommission ? <th scope="col">Commission</th> : null}
            {showCreatedBy ? <th scope="col">Created by</th> : null}
            <th scope="col">Status</th>
            {actions ? (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {codes.map((c) => (
            <tr key={c.id} className={c.active ? undefined : "inactive"}>
              <td>
                <div className="code-cell">
                  <code className="code-text">{c.code}</code>
                  <CopyButton value={c.code} label={`Copy code ${c.code}`} />
                </div>
              </td>
              <td>
                {c.discount}
                <div className="muted small">
                  {c.couponName}
                  {c.expiresAt ? (
                    <>
                      {" "}
                      · expires <time dateTime={c.expiresAt}>{c.expiresAt}</time>
                    </>
                  ) : null}
                </div>
              </td>
              {showCampaign ? <td>{c.campaignName}</td> : null}
              <td className="num">
                {c.redemptionCount}
                {c.maxRedemptions !== null ? (
                  <span className="muted"> / {c.maxRedemptions}</span>
                ) : null}
              </td>
              {showCommission ? (
                <td>{c.commission ?? <span className="muted">Campaign rate</span>}</td>
              ) : null}
              {showCreatedBy ? <td>{CREATED_BY[c.createdBy]}</td> : null}
              <td>
                {c.active ? (
                  <span className="badge approved">Active</span>
                ) : (
                  <span className="badge danger">{c.inactiveLabel ?? "Inactive"}</span>
                )}
                {c.stripePending ? (
                  <div className="muted small" role="status">
                    {c.active ? "Creating in Stripe…" : "Removing from Stripe…"}
                  </div>
                ) : null}
                {c.syncError ? (
                  <div className="error small" role="note">
                    Stripe: {c.syncError}
                  </div>
                ) : null}
              </td>
              {actions ? <td className="actions-cell">{actions(c)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
