import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import { CopyField } from "~/components/CopyField";
import { ActionAlerts } from "~/components/ActionAlerts";
import { AffiliateStatusButton } from "~/components/AffiliateStatusButton";
import { CsrfInput } from "~/components/CsrfInput";
import { EmptyState } from "~/components/EmptyState";
import { StatusBadge } from "~/components/StatusBadge";
import type { AffiliateStatus } from "~/db/schema";
import { AFFILIATE_ACTIONS, type AffiliateAction, isAffiliateAction } from "~/domain/affiliate";
import { joinUrl } from "~/domain/campaign";
import { isUuid } from "~/domain/ids";
import {
  flaggedAsSamePerson,
  RECRUIT_FLAGS,
  type RecruitFlag,
  recruitFlagText,
} from "~/domain/recruiting";
import {
  affiliateStatusFilterSchema,
  countAffiliatesByStatus,
  listAffiliates,
} from "~/services/affiliates/affiliate-reads.server";
import {
  confirmDifferentPeople,
  setAffiliateStatus,
} from "~/services/affiliates/affiliates.server";
import { listCampaigns } from "~/services/campaigns/campaigns.server";

export const meta: MetaFunction = () => [{ title: "Affiliates · Rekomi" }];

const FILTERS: { status: AffiliateStatus | undefined; label: string }[] = [
  { status: undefined, label: "All" },
  { status: "pending", label: "Pending" },
  { status: "approved", label: "Approved" },
  { status: "rejected", label: "Rejected" },
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const status = affiliateStatusFilterSchema.parse(
    new URL(request.url).searchParams.get("status") ?? undefined,
  );
  const [affiliates, counts, campaigns] = await Promise.all([
    listAffiliates(context.db, brand.id, { status }),
    countAffiliatesByStatus(context.db, brand.id),
    listCampaigns(context.db, brand.id),
  ]);
  return {
    status: status ?? null,
    counts,
    affiliates: affiliates.map((a) => ({
      id: a.id,
      name: a.name,
      email: a.email,
      invitationPending: a.user_id === null && a.invited_at !== null,
      status: a.status,
      campaignCount: a.campaign_count,
      joinedAt: a.created_at.toISOString().slice(0, 10),
      // Why this recruit may be its recruiter under another name, until the brand says otherwise.
      flags: flaggedAsSamePerson({
        recruitFlags: a.recruit_flags,
        recruitFlagsClearedAt: a.recruit_flags_cleared_at,
      })
        ? a.recruit_flags
            .filter((f): f is RecruitFlag => (RECRUIT_FLAGS as readonly string[]).includes(f))
            .map((f) => recruitFlagText(f, a.parent_name ?? "their recruiter"))
        : [],
    })),
    joinLinks: campaigns.map((c) => ({
      id: c.id,
      name: c.name,
      url: joinUrl(context.config.appUrl, c.slug),
    })),
  };
}

const statusActionSchema = z.object({
  affiliateId: z.string().refine(isUuid, "Unknown affiliate."),
  intent: z.string().refine(isAffiliateAction, "Unknown action."),
});

export interface StatusActionData {
  error: string | null;
  message: string | null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const { brand } = await requireBrandUser(request, context);
  if (form.get("intent") === "confirm_different_people") {
    const id = String(form.get("affiliateId") ?? "");
    if (!(await confirmDifferentPeople(context.db, brand.id, id))) {
      throw notFound("Affiliate not found");
    }
    const body: StatusActionData = {
      error: null,
      message: "Noted: different people. Their sales now earn the recruiter an override.",
    };
    return body;
  }
  const parsed = statusActionSchema.safeParse({
    affiliateId: form.get("affiliateId"),
    intent: form.get("intent"),
  });
  if (!parsed.success) throw notFound("Affiliate not found");
  const act = parsed.data.intent as AffiliateAction;
  const result = await setAffiliateStatus(
    context.db,
    brand.id,
    parsed.data.affiliateId,
    AFFILIATE_ACTIONS[act].to,
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

/** The sock-puppet warning on the approval screen, with the way to clear it. */
function RecruitFlags({ affiliate }: { affiliate: { id: string; name: string; flags: string[] } }) {
  return (
    <div className="recruit-flags" role="note">
      <strong>Check before approving:</strong>
      <ul>
        {affiliate.flags.map((text) => (
          <li key={text}>{text}</li>
        ))}
      </ul>
      <span className="small">Until you confirm, their sales pay the recruiter no override.</span>
      <Form method="post" className="inline-form">
        <CsrfInput />
        <input type="hidden" name="affiliateId" value={affiliate.id} />
        <button
          type="submit"
          name="intent"
          value="confirm_different_people"
          className="small"
          aria-label={`${affiliate.name} and their recruiter are different people`}
        >
          They are different people
        </button>
      </Form>
    </div>
  );
}

function InlineAction({
  affiliateId,
  act,
  name,
}: {
  affiliateId: string;
  act: AffiliateAction;
  name: string;
}) {
  const navigation = useNavigation();
  const busy =
    navigation.state !== "idle" &&
    navigation.formData?.get("affiliateId") === affiliateId &&
    navigation.formData?.get("intent") === act;
  return (
    <AffiliateStatusButton
      act={act}
      name={name}
      fields={{ affiliateId }}
      busy={busy}
      ariaLabel={`${AFFILIATE_ACTIONS[act].label} ${name}`}
    />
  );
}

export default function Affiliates() {
  const { affiliates, counts, status, joinLinks } = useLoaderData<typeof loader>();
  const actionData = useActionData<StatusActionData>();
  return (
    <>
      <div className="page-header">
        <h1>Affiliates</h1>
        {joinLinks.length > 0 ? (
          <Link className="button primary" to="/app/affiliates/invite">
            Invite affiliate
          </Link>
        ) : null}
      </div>
      <ActionAlerts message={actionData?.message} error={actionData?.error} />
      <nav className="tabs" aria-label="Filter affiliates by status">
        {FILTERS.map((f) => {
          const current = (f.status ?? null) === status;
          return (
            <Link
              key={f.label}
              to={f.status ? `?status=${f.status}` : "."}
              aria-current={current ? "page" : undefined}
              preventScrollReset
            >
              {f.label} <span className="count">({counts[f.status ?? "all"]})</span>
            </Link>
          );
        })}
      </nav>
      {counts.all === 0 ? (
        <EmptyState title="No affiliates yet">
          {joinLinks.length === 0 ? (
            <p>
              Affiliates sign up through a campaign&apos;s join link.{" "}
              <Link to="/app/campaigns/new">Create a campaign</Link> to get your first join link.
            </p>
          ) : (
            <>
              <p>
                Affiliates sign up through a campaign&apos;s join link. Share one to get started:
              </p>
              <div className="join-links">
                {joinLinks.map((c) => (
                  <CopyField key={c.id} label={`Join link for ${c.name}`} value={c.url} />
                ))}
              </div>
            </>
          )}
        </EmptyState>
      ) : affiliates.length === 0 ? (
        <EmptyState title={`No ${status ?? ""} affiliates`} headingLevel={2}>
          <p>
            Nobody has this status right now. <Link to=".">Show all affiliates</Link>
          </p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">
              {status
                ? `${FILTERS.find((f) => f.status === status)?.label} affiliates`
                : "All affiliates"}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Campaigns
                </th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {affiliates.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Link to={`/app/affiliates/${a.id}`}>{a.name}</Link>
                    <div className="muted small">
                      {a.email}
                      {a.invitationPending ? " · invitation pending" : null}
                    </div>
                    {a.flags.length > 0 ? <RecruitFlags affiliate={a} /> : null}
                  </td>
                  <td>
                    <StatusBadge status={a.status} />
                  </td>
                  <td className="num">{a.campaignCount}</td>
                  <td>
                    <time dateTime={a.joinedAt}>{a.joinedAt}</time>
                  </td>
                  <td>
                    <div className="row">
                      {a.status === "pending" || a.status === "rejected" ? (
                        <InlineAction affiliateId={a.id} act="approve" name={a.name} />
                      ) : null}
                      {a.status === "pending" ? (
                        <InlineAction affiliateId={a.id} act="reject" name={a.name} />
                      ) : null}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
