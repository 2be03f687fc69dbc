import { Form, useNavigation } from "@remix-run/react";
import { useId, useRef } from "react";
import { COUPON_NAME_MAX, type CouponFormValues } from "~/domain/coupon";
import type { FieldErrors } from "~/domain/forms";
import { CsrfInput } from "./CsrfInput";
import { CheckboxField, Field, FormError, useFocusFirstInvalid } from "./Field";
import { PercentOrAmountFields } from "./PercentOrAmountFields";

function describedBy(...ids: (string | undefined | false)[]): string | undefined {
  return ids.filter(Boolean).join(" ") || undefined;
}

function ErrorText({ id, error }: { id: string; error?: string }) {
  return error ? (
    <span className="error" id={id}>
      {error}
    </span>
  ) : null;
}

/**
 * "New coupon" form. Field names match `parseCouponForm`; only the chosen discount type's inputs
 * and the months of a repeating duration are shown (CSS :has, so it works before JavaScript).
 */
export function CouponForm({
  values,
  errors,
  errorTrigger,
}: {
  values: CouponFormValues;
  errors: FieldErrors;
  /** Changes on each failed submit, to move focus to the first invalid field. */
  errorTrigger: unknown;
}) {
  const id = useId().replace(/:/g, "");
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, errorTrigger);
  const navigation = useNavigation();
  const submitting =
    navigation.state === "submitting" && navigation.formData?.get("intent") === "create";
  const fieldKeys = Object.keys(errors).filter((k) => k !== "form");
  const ids = { duration: `duration-${id}` };
  return (
    <Form
      method="post"
      ref={formRef}
      noValidate
      className="card coupon-form"
      aria-labelledby={`new-coupon-${id}`}
    >
      <h3 id={`new-coupon-${id}`} style={{ marginTop: 0 }}>
        New coupon
      </h3>
      <CsrfInput />
      <input type="hidden" name="intent" value="create" />
      {errors.form ? (
        <FormError>{errors.form}</FormError>
      ) : fieldKeys.length > 0 ? (
        <FormError>Please fix the highlighted fields. Nothing was saved.</FormError>
      ) : null}
      <Field
        label="Name"
        name="name"
        required
        maxLength={COUPON_NAME_MAX}
        hint="Shown to customers in Stripe Checkout and on invoices, e.g. “Partner discount”."
        defaultValue={values.name}
        error={errors.name}
      />
      <PercentOrAmountFields
        legend="Discount"
        className="discount-fields"
        typeName="discount_type"
        percent={{
          value: "percent",
          label: "Percentage off",
          className: "discount-percent",
          field: {
            name: "percent_off",
            label: "Percent off (%)",
            hint: "Between 0.01 and 100, up to 2 decimals.",
          },
        }}
        amount={{
          value: "amount",
          label: "Fixed amount off",
          className: "discount-amount",
          field: { name: "amount_off", label: "Amount off", hint: "e.g. 10.00" },
        }}
        currencyName="currency"
        values={{ ...values }}
        errors={errors}
      />
      <div className="duration-fields form-grid">
        <div className="field">
          <label htmlFor={ids.duration}>Duration</label>
          <span className="hint" id={`${ids.duration}-hint`}>
            How long a customer keeps the discount.
          </span>
          <select
            id={ids.duration}
            name="duration"
            defaultValue={values.duration || "once"}
            aria-invalid={errors.duration ? true : undefined}
            aria-describedby={describedBy(
              `${ids.duration}-hint`,
              errors.duration && `${ids.duration}-error`,
            )}
          >
            <option value="once">First payment only</option>
            <option value="repeating">Several months</option>
            <option value="forever">Forever</option>
          </select>
          <ErrorText id={`${ids.duration}-error`} error={errors.duration} />
        </div>
        <div className="duration-months">
          <Field
            label="Months"
            name="duration_in_months"
            inputMode="numeric"
            hint="For “Several months”: 1 to 120."
            defaultValue={values.duration_in_months}
            error={errors.duration_in_months}
          />
        </div>
      </div>
      <div className="form-grid">
        <Field
          label="Maximum redemptions (optional)"
          name="max_redemptions"
          inputMode="numeric"
          hint="Each affiliate code inherits this limit. Leave empty for no limit."
          defaultValue={values.max_redemptions}
          error={errors.max_redemptions}
        />
        <Field
          label="Redeem by (optional)"
          name="redeem_by"
          type="date"
          hint="Codes stop working after this day (UTC), at most 5 years ahead."
          defaultValue={values.redeem_by}
          error={errors.redeem_by}
        />
      </div>
      <CouponToggles values={values} />
      <button type="submit" className="primary" disabled={submitting}>
        {submitting ? "Creating in Stripe…" : "Create coupon"}
      </button>
    </Form>
  );
}

/** The two toggles, shared by the create form and each coupon's settings form. */
export function CouponToggles({
  values,
}: {
  values: Pick<CouponFormValues, "overrides_click_attribution" | "allow_affiliate_self_service">;
}) {
  return (
    <>
      <CheckboxField
        name="overrides_click_attribution"
        defaultChecked={values.overrides_click_attribution === "on"}
        label="Overrides click attribution"
        hint="When a customer clicked one affiliate's link but typed another's code, the code wins."
      />
      <CheckboxField
        name="allow_affiliate_self_service"
        defaultChecked={values.allow_affiliate_self_service === "on"}
        label="Allow affiliate self-service codes"
        hint="Approved affiliates can create their own vanity codes on this coupon. Turning it off keeps existing codes working."
      />
    </>
  );
}

/** Rename a coupon and flip its toggles (discount terms cannot change in Stripe). */
export function CouponSettingsForm({
  couponId,
  values,
  errors,
}: {
  couponId: string;
  values: Pick<
    CouponFormValues,
    "name" | "overrides_click_attribution" | "allow_affiliate_self_service"
  >;
  errors: FieldErrors;
}) {
  const navigation = useNavigation();
  const saving =
    navigation.state === "submitting" &&
    navigation.formData?.get("intent") === "update" &&
    navigation.formData?.get("coupon_id") === couponId;
  return (
    <Form method="post" noValidate className="coupon-settings">
      <CsrfInput />
      <input type="hidden" name="intent" value="update" />
      <input type="hidden" name="coupon_id" value={couponId} />
      {errors.form ? <FormError>{errors.form}</FormError> : null}
      <Field
        label="Name"
        name="name"
        required
        maxLength={COUPON_NAME_MAX}
        defaultValue={values.name}
        error={errors.name}
      />
      <CouponToggles values={values} />
      <button type="submit" disabled={saving}>
        {saving ? "Saving…" : "Save coupon"}
      </button>
    </Form>
  );
}
