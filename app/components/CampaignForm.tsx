import { Form, useNavigation } from "@remix-run/react";
import { useRef } from "react";
import type { CampaignFormValues } from "~/domain/campaign";
import type { FieldErrors } from "~/domain/forms";
import { CommissionFields } from "./CommissionFields";
import { CsrfInput } from "./CsrfInput";
import { CheckboxField, Field, FormError, useFocusFirstInvalid } from "./Field";

/** Create/edit form for a campaign. Field names match `campaignFormSchema`. */
export function CampaignForm({
  values,
  errors,
  submitLabel,
  submittingLabel,
  errorTrigger,
}: {
  values: CampaignFormValues;
  errors: FieldErrors;
  submitLabel: string;
  submittingLabel: string;
  /** Changes on each failed submit, to move focus to the first invalid field. */
  errorTrigger: unknown;
}) {
  const navigation = useNavigation();
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, errorTrigger);
  const submitting =
    navigation.state === "submitting" && navigation.formData?.get("intent") !== "delete";
  const hasErrors = Object.keys(errors).length > 0;
  return (
    <Form method="post" ref={formRef} noValidate className="card campaign-form">
      <CsrfInput />
      {hasErrors ? (
        <FormError>Please fix the highlighted fields. Nothing was saved.</FormError>
      ) : null}
      <Field
        label="Name"
        name="name"
        required
        maxLength={100}
        defaultValue={values.name}
        error={errors.name}
      />
      <Field
        label="Destination URL"
        name="destination_url"
        type="url"
        required
        placeholder="https://www.example.com"
        hint="Where referral links send visitors (http or https)."
        defaultValue={values.destination_url}
        error={errors.destination_url}
      />
      <CommissionFields values={values} errors={errors} />
      <div className="form-grid">
        <Field
          label="Recurring months"
          name="recurring_months"
          inputMode="numeric"
          hint="Leave blank to pay on every payment forever; 0 pays on the first payment only."
          defaultValue={values.recurring_months}
          error={errors.recurring_months}
        />
        <Field
          label="Sub-affiliate override (%)"
          name="sub_affiliate_override_percent"
          inputMode="decimal"
          hint="Paid to the affiliate who recruited the seller, 0 to 100."
          defaultValue={values.sub_affiliate_override_percent}
          error={errors.sub_affiliate_override_percent}
        />
        <Field
          label="Cookie window (days)"
          name="cookie_window_days"
          inputMode="numeric"
          hint="How long a click counts, 1 to 365 days."
          defaultValue={values.cookie_window_days}
          error={errors.cookie_window_days}
        />
      </div>
      <CheckboxField
        name="auto_approve"
        defaultChecked={values.auto_approve === "on"}
        label="Approve new affiliates automatically"
        hint="Otherwise each sign-up waits for your approval under Affiliates."
      />
      <CheckboxField
        name="auto_approve_recruits"
        defaultChecked={values.auto_approve_recruits === "on"}
        label="Also approve recruits automatically"
        hint="People who join through another affiliate's recruiting link wait for your approval unless this is on. Recruits that look like their recruiter (same mailbox, company domain or sign-up IP) always wait, and are flagged."
      />
      <button type="submit" className="primary" name="intent" value="save" disabled={submitting}>
        {submitting ? submittingLabel : submitLabel}
      </button>
    </Form>
  );
}
