import { Form, useNavigation } from "@remix-run/react";
import { useId, useRef } from "react";
import type { FieldErrors } from "~/domain/forms";
import { CsrfInput } from "./CsrfInput";
import { Field, FormError, useFocusFirstInvalid } from "./Field";
import { SelectField } from "./SelectField";

export interface CodeCouponOption {
  id: string;
  /** e.g. "Acme Partners · Partner discount — 20% off your first payment" */
  label: string;
}

/**
 * "Generate a code" form: pick the campaign coupon, optionally type the code (otherwise a readable
 * one is generated), and (brand only) an optional per-code commission rate.
 */
export function CodeForm({
  coupons,
  errors,
  values,
  errorTrigger,
  showCommission,
  title,
  submitLabel,
  codeHint,
}: {
  coupons: CodeCouponOption[];
  errors: FieldErrors;
  values: { campaign_coupon_id?: string; code?: string; commission_rate?: string };
  errorTrigger: unknown;
  showCommission: boolean;
  title: string;
  submitLabel: string;
  codeHint: string;
}) {
  const id = useId().replace(/:/g, "");
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, errorTrigger);
  const navigation = useNavigation();
  const submitting =
    navigation.state === "submitting" && navigation.formData?.get("intent") === "create";
  const couponError = errors.campaign_coupon_id;
  return (
    <Form
      method="post"
      ref={formRef}
      noValidate
      className="card code-form"
      aria-labelledby={`code-form-${id}`}
    >
      <h3 id={`code-form-${id}`} style={{ marginTop: 0 }}>
        {title}
      </h3>
      <CsrfInput />
      <input type="hidden" name="intent" value="create" />
      {errors.form ? <FormError>{errors.form}</FormError> : null}
      {coupons.length === 1 ? (
        <>
          <input type="hidden" name="campaign_coupon_id" value={coupons[0].id} />
          <p className="muted small">Coupon: {coupons[0].label}</p>
          {couponError ? (
            <p className="error small" role="alert">
              {couponError}
            </p>
          ) : null}
        </>
      ) : (
        <SelectField
          label="Coupon"
          name="campaign_coupon_id"
          options={coupons.map((c) => ({ value: c.id, label: c.label }))}
          defaultValue={values.campaign_coupon_id ?? coupons[0]?.id}
          error={couponError}
        />
      )}
      <div className="form-grid">
        <Field
          label="Code"
          name="code"
          autoCapitalize="characters"
          autoComplete="off"
          spellCheck={false}
          maxLength={32}
          className="mono"
          hint={codeHint}
          defaultValue={values.code ?? ""}
          error={errors.code}
        />
        {showCommission ? (
          <Field
            label="Commission for this code (%, optional)"
            name="commission_rate"
            inputMode="decimal"
            hint="Overrides the campaign's commission for sales with this code."
            defaultValue={values.commission_rate ?? ""}
            error={errors.commission_rate}
          />
        ) : null}
      </div>
      <button type="submit" className="primary" disabled={submitting}>
        {submitting ? "Creating in Stripe…" : submitLabel}
      </button>
    </Form>
  );
}
