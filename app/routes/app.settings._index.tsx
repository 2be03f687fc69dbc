import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useRef } from "react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { requireBrandUser } from "~/auth/guards.server";
import { CsrfInput } from "~/components/CsrfInput";
import { Field, useFocusFirstInvalid } from "~/components/Field";
import { PlanBadges } from "~/components/PlanBadges";
import type { Plan } from "~/db/schema";
import { trialDaysLeft } from "~/domain/accounts";
import { updateBrandSettings } from "~/services/accounts/accounts.server";

export const meta: MetaFunction = () => [{ title: "Settings · Rekomi" }];

interface GeneralSettingsData {
  brand: { id: string; name: string; plan: Plan; trialEndsAt: string; createdAt: string };
  trialDaysLeft: number;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const result: GeneralSettingsData = {
    brand: {
      id: brand.id,
      name: brand.name,
      plan: brand.plan,
      trialEndsAt: brand.trial_ends_at.toISOString(),
      createdAt: brand.created_at.toISOString(),
    },
    trialDaysLeft: trialDaysLeft(brand.trial_ends_at, new Date()),
  };
  return result;
}

type SettingsActionData =
  { ok: true; name: string } | { ok: false; fieldErrors: { name?: string }; name: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const { brand } = await requireBrandUser(request, context);
  const name = String(form.get("name") ?? "");
  const result = await updateBrandSettings(context.db, { brandId: brand.id, values: { name } });
  if (!result.ok) {
    const body: SettingsActionData = { ok: false, fieldErrors: result.fieldErrors, name };
    return data(body, { status: 400 });
  }
  const body: SettingsActionData = { ok: true, name: result.brand.name };
  return body;
}

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "long", timeZone: "UTC" });

export default function GeneralSettings() {
  const { brand, trialDaysLeft: daysLeft } = useLoaderData<GeneralSettingsData>();
  const actionData = useActionData<SettingsActionData>();
  const navigation = useNavigation();
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, actionData);
  const saving = navigation.state === "submitting";
  return (
    <div className="stack">
      <section className="card" aria-labelledby="brand-heading">
        <h2 id="brand-heading" style={{ marginTop: 0 }}>
          Brand
        </h2>
        {actionData?.ok ? (
          <div className="alert success" role="status">
            Saved. Your brand is now called “{actionData.name}”.
          </div>
        ) : null}
        <Form method="post" ref={formRef} noValidate style={{ maxWidth: 480 }}>
          <CsrfInput />
          <Field
            label="Brand name"
            name="name"
            required
            maxLength={100}
            hint="Shown to your affiliates on join pages and in their portal."
            defaultValue={actionData && !actionData.ok ? actionData.name : brand.name}
            key={actionData?.ok ? actionData.name : "form"}
            error={actionData && !actionData.ok ? actionData.fieldErrors.name : undefined}
          />
          <button type="submit" className="primary" disabled={saving}>
            {saving ? "Saving…" : "Save changes"}
          </button>
        </Form>
      </section>

      <section className="card" aria-labelledby="plan-heading">
        <h2 id="plan-heading" style={{ marginTop: 0 }}>
          Plan
        </h2>
        <p>
          <PlanBadges plan={brand.plan} daysLeft={daysLeft} />
        </p>
        <dl className="details">
          <dt>Trial {daysLeft > 0 ? "ends" : "ended"}</dt>
          <dd>
            <time dateTime={brand.trialEndsAt}>
              {dateFormat.format(new Date(brand.trialEndsAt))}
            </time>
          </dd>
          <dt>Brand ID</dt>
          <dd className="mono small">{brand.id}</dd>
        </dl>
        <p className="muted small">To change your plan, contact Rekomi support.</p>
      </section>
    </div>
  );
}
