import { useId } from "react";
import type { FieldErrors } from "~/domain/forms";
import { SUPPORTED_CURRENCIES } from "~/domain/money";
import { Field } from "./Field";
import { SelectField } from "./SelectField";

/** One side of the choice: its radio button, and the input shown while it is chosen. */
export interface AmountChoice {
  value: string;
  label: string;
  /** Class of the part shown only while this choice is checked (the CSS hides the other). */
  className: string;
  field: { name: string; label: string; hint: string };
}

const CURRENCY_OPTIONS = SUPPORTED_CURRENCIES.map((c) => ({ value: c, label: c.toUpperCase() }));

/**
 * A percentage or a fixed amount in a currency: the commission of a campaign, the discount of a
 * coupon. Only the chosen type's inputs are shown (CSS :has, so it also works before JavaScript
 * loads); both are submitted and the server reads the one that matches the type.
 */
export function PercentOrAmountFields({
  legend,
  className,
  typeName,
  percent,
  amount,
  currencyName,
  values,
  errors,
}: {
  legend: string;
  className: string;
  /** The radio group's field name, e.g. "commission_type". */
  typeName: string;
  percent: AmountChoice;
  amount: AmountChoice;
  currencyName: string;
  values: Record<string, string | undefined>;
  errors: FieldErrors;
}) {
  const typeErrorId = `${typeName}-${useId().replace(/:/g, "")}-error`;
  const typeError = errors[typeName];
  const amountChosen = values[typeName] === amount.value;
  return (
    <fieldset className={className} aria-describedby={typeError ? typeErrorId : undefined}>
      <legend>{legend}</legend>
      <div className="row" role="radiogroup" aria-label={`${legend} type`}>
        {[percent, amount].map((choice) => (
          <label className="checkbox" key={choice.value}>
            <input
              type="radio"
              name={typeName}
              value={choice.value}
              defaultChecked={(choice === amount) === amountChosen}
            />
            {choice.label}
          </label>
        ))}
      </div>
      {typeError ? (
        <span className="error small" id={typeErrorId}>
          {typeError}
        </span>
      ) : null}
      <div className={percent.className}>
        <ChoiceField choice={percent} values={values} errors={errors} />
      </div>
      <div className={`${amount.className} form-grid`}>
        <ChoiceField choice={amount} values={values} errors={errors} />
        <SelectField
          label="Currency"
          name={currencyName}
          options={CURRENCY_OPTIONS}
          defaultValue={values[currencyName] || "usd"}
          error={errors[currencyName]}
        />
      </div>
    </fieldset>
  );
}

function ChoiceField({
  choice,
  values,
  errors,
}: {
  choice: AmountChoice;
  values: Record<string, string | undefined>;
  errors: FieldErrors;
}) {
  const { name, label, hint } = choice.field;
  return (
    <Field
      label={label}
      name={name}
      inputMode="decimal"
      hint={hint}
      defaultValue={values[name]}
      error={errors[name]}
    />
  );
}
