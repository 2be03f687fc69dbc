import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireAffiliateUser } from "~/auth/guards.server";
import { CodeForm } from "~/components/CodeForm";
import { CodeList } from "~/components/CodeList";
import { CopyField } from "~/components/CopyField";
import { EmptyState } from "~/components/EmptyState";
import { ErrorPanel } from "~/components/ErrorPanel";
import { StatusBadge } from "~/components/StatusBadge";
import { describeCommission, referralUrl } from "~/domain/campaign";
import { COUPON_ERROR_STATUS, fieldErrorsFor } from "~/domain/coupon";
import { type FieldErrors, formFields } from "~/domain/forms";
import { codeListItem, couponOptionLabel } from "~/services/campaigns/affiliate-code-reads.server";
import {
  createVanityCode,
  getPortalCampaign,
  portalCodes,
} from "~/services/campaigns/portal-codes.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.campaign.name ?? "Campaign"} · Rekomi` },
];

/** Affiliate portal: one campaign, the affiliate's codes and (when allowed) the vanity code form. */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { user } = await requireAffiliateUser(request, context);
  const p = await getPortalCampaign(context.db, user.id, params.campaignId ?? "");
  if (!p) throw notFound("Campaign not found");
  const { codes, selfServiceCoupons, canMint } = await portalCodes(context.db, p);
  return {
    campaign: {
      id: p.campaignId,
      name: p.campaignName,
      brandName: p.brandName,
      status: p.affiliateStatus,
      commission: describeCommission(p.commission),
      referralUrl: referralUrl(context.config.appUrl, p.linkCode),
    },
    codes: codes.map(codeListItem),
    canMint,
    coupons: selfServiceCoupons.map((o) => ({ id: o.id, label: couponOptionLabel(o, false) })),
  };
}

interface ActionData {
  fieldErrors: FieldErrors;
  values: { campaign_coupon_id: string; code: string };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const { user } = await requireAffiliateUser(request, context);
  const campaignId = params.campaignId ?? "";
  const fields = formFields(form);
  const values = { campaign_coupon_id: fields.campaign_coupon_id ?? "", code: fields.code ?? "" };
  const result = await createVanityCode(
    context.db,
    { config: context.config },
    user.id,
    campaignId,
    values,
  );
  if (!result.ok) {
    if (result.error.type === "not_found" && !result.error.param)
      throw notFound(result.error.message);
    return data<ActionData>(
      { fieldErrors: fieldErrorsFor(result.error, ["campaign_coupon_id", "code"]), values },
      { status: COUPON_ERROR_STATUS[result.error.type] },
    );
  }
  return redirect(`/a/campaigns/${campaignId}?created=${encodeURIComponent(result.code.code)}`);
}

export default function AffiliateCampaign() {
  const { campaign, codes, canMint, coupons } = useLoaderData<typeof loader>();
  const actionData = useActionData<ActionData>();
  const [params] = useSearchParams();
  const created = params.get("created");
  return (
    <>
      <p className="small">
        <Link to="/a">← My campaigns</Link>
      </p>
      <div className="page-header">
        <div>
          <p className="muted small" style={{ margin: 0 }}>
            {campaign.brandName}
          </p>
          <h1>
            {campaign.name} <StatusBadge status={campaign.status} />
          </h1>
          <p className="muted">You earn {campaign.commission}.</p>
        </div>
      </div>
      {created && !actionData ? (
        <div className="alert success" role="status">
          Your code <strong className="mono">{created}</strong> is ready. Customers type it at
          checkout to get the discount, and the sale is credited to you.
        </div>
      ) : null}
      {campaign.status === "approved" || campaign.status === "pending" ? (
        <section className="card portal-link" aria-label="Referral link">
          <CopyField label="Your referral link" value={campaign.referralUrl} />
        </section>
      ) : null}
      <h2>Your coupon codes</h2>
      <CodeList
        codes={codes}
        caption="Your coupon codes"
        empty={
          <EmptyState title="No codes yet" headingLevel={3}>
            <p>
              {canMint
                ? "Create your own code below and share it with your audience."
                : `${campaign.brandName} has not given you a coupon code for this campaign yet.`}
            </p>
          </EmptyState>
        }
      />
      {canMint ? (
        <CodeForm
          key={codes.length}
          title="Create a vanity code"
          submitLabel="Create code"
          coupons={coupons}
          errors={actionData?.fieldErrors ?? {}}
          values={actionData?.values ?? {}}
          errorTrigger={actionData}
          showCommission={false}
          codeHint="Pick something memorable, like your name plus the discount (e.g. SARAH-VIP). 3–32 letters, digits or dashes. Leave empty to get a suggestion."
        />
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <ErrorPanel what="Campaign" backTo="/a" backLabel="Back to my campaigns" />;
}
