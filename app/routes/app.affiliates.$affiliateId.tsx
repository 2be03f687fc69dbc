import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Link, Outlet, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import { ActionAlerts } from "~/components/ActionAlerts";
import { AffiliateStatusButton } from "~/components/AffiliateStatusButton";
import { ErrorPanel } from "~/components/ErrorPanel";
import { StatusBadge } from "~/components/StatusBadge";
import { type Tab, TabNav } from "~/components/TabNav";
import { AFFILIATE_ACTIONS, availableActions, isAffiliateAction } from "~/domain/affiliate";
import { getAffiliate } from "~/services/affiliates/affiliate-reads.server";
import { setAffiliateStatus } from "~/services/affiliates/affiliates.server";

/** The affiliate page's tabs. Later features add a tab here plus a child route file. */
export const AFFILIATE_TABS: readonly Tab[] = [
  { to: ".", label: "Overview", end: true },
  { to: "coupons", label: "Coupons" },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.affiliate.name ?? "Affiliate"} · Rekomi` },
];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const affiliate = await getAffiliate(context.db, brand.id, params.affiliateId ?? "");
  if (!affiliate) throw notFound("Affiliate not found");
  return {
    affiliate: {
      id: affiliate.id,
      name: affiliate.name,
      email: affiliate.email,
      status: affiliate.status,
      joinedAt: affiliate.created_at.toISOString().slice(0, 10),
    },
    actions: availableActions(affiliate.status),
  };
}

interface StatusActionData {
  error: string | null;
  message: string | null;
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const { brand } = await requireBrandUser(request, context);
  const affiliate = await getAffiliate(context.db, brand.id, params.affiliateId ?? "");
  if (!affiliate) throw notFound("Affiliate not found");
  const intent = form.get("intent");
  if (!isAffiliateAction(intent)) {
    return data<StatusActionData>({ error: "Unknown action.", message: null }, { status: 400 });
  }
  const result = await setAffiliateStatus(
    context.db,
    brand.id,
    affiliate.id,
    AFFILIATE_ACTIONS[intent].to,
  );
  if (!result.ok && result.reason === "not_found") throw notFound("Affiliate not found");
  if (!result.ok)
    return data<StatusActionData>({ error: result.message, message: null }, { status: 409 });
  const body: StatusActionData = {
    error: null,
    message: `${result.affiliate.name} is now ${result.affiliate.status}.`,
  };
  return body;
}

export default function AffiliateLayout() {
  const { affiliate, actions } = useLoaderData<typeof loader>();
  const actionData = useActionData<StatusActionData>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formData?.has("intent");
  return (
    <>
      <p className="small">
        <Link to="/app/affiliates">← Affiliates</Link>
      </p>
      <div className="page-header">
        <div>
          <h1>
            {affiliate.name} <StatusBadge status={affiliate.status} />
          </h1>
          <p className="muted">
            <a href={`mailto:${affiliate.email}`}>{affiliate.email}</a> · joined{" "}
            <time dateTime={affiliate.joinedAt}>{affiliate.joinedAt}</time>
          </p>
        </div>
        {actions.length > 0 ? (
          <div className="row" role="group" aria-label="Change status">
            {actions.map((act) => (
              <AffiliateStatusButton
                key={act}
                act={act}
                name={affiliate.name}
                busy={Boolean(busy)}
              />
            ))}
          </div>
        ) : null}
      </div>
      <ActionAlerts message={actionData?.message} error={actionData?.error} />
      {affiliate.status === "pending" ? (
        <div className="alert warning">
          {affiliate.name} applied and is waiting for your approval. Their links do not earn
          commission until approved.
        </div>
      ) : null}
      <TabNav tabs={AFFILIATE_TABS} label="Affiliate sections" />
      <Outlet />
    </>
  );
}

export function ErrorBoundary() {
  return <ErrorPanel what="Affiliate" backTo="/app/affiliates" backLabel="Back to affiliates" />;
}
