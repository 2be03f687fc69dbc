import { useId } from "react";
import type { FieldErrors } from "~/domain/forms";
import { SUPPORTED_CURRENCIES } from "~/domain/money";
import { Field } from "./Field";

export interface CommissionValues {
  commission_type: string;
  commission_percent: string;
  commission_amount: string;
  commission_currency: string;
}

function errorProps(id: string, error: string | undefined, hintId?: string) {
  const describedBy =
    [hintId, error ? `${id}-error` : undefined].filter(Boolean).join(" ") || undefined;
  return { "aria-invalid": error ? true : undefined, "aria-describedby": describedBy } as const;
}

/**
 * Commission type (percent or flat amount) with the matching inputs. Only the chosen type's inputs
 * are shown (CSS :has, so it also works before JavaScript loads); both are submitted and the
 * server reads the one that matches the type.
 */
export function CommissionFields({
  values,
  errors,
}: {
  values: CommissionValues;
  errors: FieldErrors;
}) {
  const id = useId().replace(/:/g, "");
  const currencyId = `commission-currency-${id}`;
  const typeError = errors.commission_type;
  return (
    <fieldset
      className="commission-fields"
      aria-describedby={typeError ? `commission-type-${id}-error` : undefined}
    >
      <legend>Commission</legend>
      <div className="row" role="radiogroup" aria-label="Commission type">
        <label className="checkbox">
          <input
            type="radio"
            name="commission_type"
            value="percent"
            defaultChecked={values.commission_type !== "flat"}
          />
          Percentage of each payment
        </label>
        <label className="checkbox">
          <input
            type="radio"
            name="commission_type"
            value="flat"
            defaultChecked={values.commission_type === "flat"}
          />
          Flat amount per payment
        </label>
      </div>
      {typeError ? (
        <span className="error small" id={`commission-type-${id}-error`}>
          {typeError}
        </span>
      ) : null}
      <div className="commission-percent">
        <Field
          label="Commission (%)"
          name="commission_percent"
          inputMode="decimal"
          hint="Between 0.01 and 100, up to 2 decimals, e.g. 20 or 12.5."
          defaultValue={values.commission_percent}
          error={errors.commission_percent}
        />
      </div>
      <div className="commission-flat form-grid">
        <Field
          label="Amount"
          name="commission_amount"
          inputMode="decimal"
          hint="Paid per referred payment, e.g. 50.00."
          defaultValue={values.commission_amount}
          error={errors.commission_amount}
        />
        <div className="field">
          <label htmlFor={currencyId}>Currency</label>
          <select
            id={currencyId}
            name="commission_currency"
            defaultValue={values.commission_currency || "usd"}
            {...errorProps(currencyId, errors.commission_currency)}
          >
            {SUPPORTED_CURRENCIES.map((c) => (
              <option key={c} value={c}>
                {c.toUpperCase()}
              </option>
            ))}
          </select>
          {errors.commission_currency ? (
            <span className="error" id={`${currencyId}-error`}>
              {errors.commission_currency}
            </span>
          ) : null}
        </div>
      </div>
    </fieldset>
  );
}
