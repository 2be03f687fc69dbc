/**
 * An affiliate's Coupons tab: their codes across campaigns, and generating a new one on a campaign
 * coupon. Loader and action: ./codes.server.ts.
 */
import type { MetaFunction } from "@remix-run/node";
import {
  Link,
  useActionData,
  useLoaderData,
  useNavigation,
  useSearchParams,
} from "@remix-run/react";
import { CodeForm } from "~/components/CodeForm";
import { CodeList } from "~/components/CodeList";
import { EmptyState } from "~/components/EmptyState";
import { UpgradeNotice } from "~/components/UpgradeNotice";
import { CodeActions } from "./CodeActions";
import type { ActionData, loader } from "./codes.server";

export { action, loader } from "./codes.server";

export const meta: MetaFunction = () => [{ title: "Affiliate coupons · Rekomi" }];

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
        actions={(c) => (c.deleted ? null : <CodeActions code={c} busy={busy} />)}
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
