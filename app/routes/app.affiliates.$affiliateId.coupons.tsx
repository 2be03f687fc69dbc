import {
  data,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import {
  Form,
  Link,
  useActionData,
  useLoaderData,
  useNavigation,
  useSearchParams,
} from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireBrandUser } from "~/auth/guards.server";
import { CodeForm } from "~/components/CodeForm";
import { CodeList } from "~/components/CodeList";
import { CsrfInput } from "~/components/CsrfInput";
import { EmptyState } from "~/components/EmptyState";
import { UpgradeNotice } from "~/components/UpgradeNotice";
import {
  COUPON_ERROR_STATUS,
  CODE_FORM_FIELDS,
  fieldErrorsFor,
  parseCodeForm,
} from "~/domain/coupon";
import { type FieldErrors, formFields } from "~/domain/forms";
import {
  codeListItem,
  couponOptionLabel,
  createAffiliateCode,
  deactivateAffiliateCode,
  deleteAffiliateCode,
  listAffiliateCodes,
  listCouponOptionsForAffiliate,
} from "~/services/campaigns/affiliate-codes.server";
import { getAffiliate } from "~/services/affiliates/affiliates.server";
import {
  brandCanCreateCoupons,
  isStripeConnected,
} from "~/services/campaigns/campaign-coupons.server";

export const meta: MetaFunction = () => [{ title: "Affiliate coupons · Rekomi" }];

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const affiliate = await getAffiliate(context.db, brand.id, params.affiliateId ?? "");
  if (!affiliate) throw notFound("Affiliate not found");
  const [codes, options, canCreate, connected] = await Promise.all([
    listAffiliateCodes(context.db, brand.id, affiliate.id),
    listCouponOptionsForAffiliate(context.db, brand.id, affiliate.id),
    brandCanCreateCoupons(context.db, brand.id),
    isStripeConnected(context.db, brand.id),
  ]);
  const campaigns = new Set(options.map((o) => o.campaign_id));
  return {
    affiliate: { id: affiliate.id, name: affiliate.name, status: affiliate.status },
    codes: codes.map(codeListItem),
    coupons: options.map((o) => ({ id: o.id, label: couponOptionLabel(o, campaigns.size > 1) })),
    canCreate,
    connected,
  };
}

type ActionData =
  | {
      intent: "create";
      fieldErrors: FieldErrors;
      values: { campaign_coupon_id: string; code: string; commission_rate: string };
    }
  | { intent: "deactivate" | "delete"; message: string; warning: string | null };

export async function action({ request, params, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const { brand } = await requireBrandUser(request, context);
  const affiliate = await getAffiliate(context.db, brand.id, params.affiliateId ?? "");
  if (!affiliate) throw notFound("Affiliate not found");
  const fields = formFields(form);
  const deps = { config: context.config };

  if (fields.intent === "create") {
    const values = {
      campaign_coupon_id: fields.campaign_coupon_id ?? "",
      code: fields.code ?? "",
      commission_rate: fields.commission_rate ?? "",
    };
    const parsed = parseCodeForm(fields, { allowCommission: true });
    if (!parsed.ok) {
      return data<ActionData>(
        { intent: "create", fieldErrors: parsed.fieldErrors, values },
        { status: 400 },
      );
    }
    const result = await createAffiliateCode(
      context.db,
      deps,
      brand.id,
      affiliate.id,
      parsed.input,
      {
        createdBy: "brand",
      },
    );
    if (!result.ok) {
      const known = [...CODE_FORM_FIELDS, "commission_rate_percent"];
      const errors = fieldErrorsFor(result.error, known);
      if (errors.commission_rate_percent) errors.commission_rate = errors.commission_rate_percent;
      return data<ActionData>(
        { intent: "create", fieldErrors: errors, values },
        { status: COUPON_ERROR_STATUS[result.error.type] },
      );
    }
    return redirect(
      `/app/affiliates/${affiliate.id}/coupons?created=${encodeURIComponent(result.code.code)}`,
    );
  }
  if (fields.intent === "deactivate" || fields.intent === "delete") {
    const change = fields.intent === "delete" ? deleteAffiliateCode : deactivateAffiliateCode;
    const result = await change(context.db, deps, brand.id, fields.code_id ?? "");
    if (!result.ok) throw notFound(result.error.message);
    return {
      intent: fields.intent,
      message:
        fields.intent === "delete"
          ? `${result.code.code} was deleted.`
          : `${result.code.code} was deactivated.`,
      warning: result.stripeWarning,
    } satisfies ActionData;
  }
  return data<ActionData>(
    { intent: "delete", message: "", warning: "Unknown action." },
    { status: 400 },
  );
}

export default function AffiliateCoupons() {
  const { affiliate, codes, coupons, canCreate, connected } = useLoaderData<typeof loader>();
  const actionData = useActionData<ActionData>();
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const created = params.get("created");
  const createFailed = actionData?.intent === "create" ? actionData : undefined;
  const busy = (intent: string, id: string) =>
    navigation.state === "submitting" &&
    navigation.formData?.get("intent") === intent &&
    navigation.formData?.get("code_id") === id;
  return (
    <section aria-labelledby="codes-heading">
      <h2 id="codes-heading" style={{ marginTop: 0 }}>
        Coupon codes
      </h2>
      {created && !actionData ? (
        <div className="alert success" role="status">
          <strong className="mono">{created}</strong> is live in Stripe. Share it with{" "}
          {affiliate.name}.
        </div>
      ) : null}
      {actionData && "message" in actionData && actionData.message ? (
        <div className="alert success" role="status">
          {actionData.message}
        </div>
      ) : null}
      {actionData && "warning" in actionData && actionData.warning ? (
        <div className="alert warning" role="alert">
          {actionData.warning}
        </div>
      ) : null}
      <CodeList
        codes={codes}
        caption={`${affiliate.name}'s coupon codes`}
        showCampaign
        showCreatedBy
        showCommission
        empty={
          <EmptyState title="No codes yet" headingLevel={3}>
            <p>
              Codes let customers get a discount at Stripe Checkout while crediting {affiliate.name}
              . Generate one below.
            </p>
          </EmptyState>
        }
        actions={(c) =>
          c.deleted ? null : c.active ? (
            <Form method="post" className="row">
              <CsrfInput />
              <input type="hidden" name="code_id" value={c.id} />
              <button
                type="submit"
                name="intent"
                value="deactivate"
                disabled={busy("deactivate", c.id)}
              >
                Deactivate
              </button>
              <button
                type="submit"
                name="intent"
                value="delete"
                className="danger"
                disabled={busy("delete", c.id)}
              >
                Delete
              </button>
            </Form>
          ) : (
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="code_id" value={c.id} />
              <button
                type="submit"
                name="intent"
                value="delete"
                className="danger"
                disabled={busy("delete", c.id)}
              >
                Delete
              </button>
            </Form>
          )
        }
      />
      <h3>Generate a code</h3>
      {!canCreate ? (
        <UpgradeNotice what="affiliate codes" />
      ) : !connected ? (
        <div className="alert info" role="status">
          Connect Stripe first: codes are Stripe promotion codes.{" "}
          <Link to="/app/settings/stripe">Connect Stripe</Link>
        </div>
      ) : coupons.length === 0 ? (
        <EmptyState title="No coupon to make codes for" headingLevel={3}>
          <p>
            Codes are made on a campaign coupon. Create a coupon on the Coupons tab of a campaign{" "}
            {affiliate.name} is enrolled in.
          </p>
        </EmptyState>
      ) : (
        <CodeForm
          key={codes.length}
          title={`New code for ${affiliate.name}`}
          submitLabel="Generate code"
          coupons={coupons}
          errors={createFailed?.fieldErrors ?? {}}
          values={createFailed?.values ?? {}}
          errorTrigger={createFailed}
          showCommission
          codeHint="Leave empty to generate a readable one (e.g. SARAH20). 3–32 letters, digits or dashes; lowercase is upper-cased."
        />
      )}
    </section>
  );
}
