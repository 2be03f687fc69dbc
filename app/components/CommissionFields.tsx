import type { FieldErrors } from "~/domain/forms";
import { PercentOrAmountFields } from "./PercentOrAmountFields";

export interface CommissionValues {
  commission_type: string;
  commission_percent: string;
  commission_amount: string;
  commission_currency: string;
}

/** A campaign's commission: a percentage of each payment, or a flat amount per payment. */
export function CommissionFields({
  values,
  errors,
}: {
  values: CommissionValues;
  errors: FieldErrors;
}) {
  return (
    <PercentOrAmountFields
      legend="Commission"
      className="commission-fields"
      typeName="commission_type"
      percent={{
        value: "percent",
        label: "Percentage of each payment",
        className: "commission-percent",
        field: {
          name: "commission_percent",
          label: "Commission (%)",
          hint: "Between 0.01 and 100, up to 2 decimals, e.g. 20 or 12.5.",
        },
      }}
      amount={{
        value: "flat",
        label: "Flat amount per payment",
        className: "commission-flat",
        field: {
          name: "commission_amount",
          label: "Amount",
          hint: "Paid per referred payment, e.g. 50.00.",
        },
      }}
      currencyName="commission_currency"
      values={{ ...values }}
      errors={errors}
    />
  );
}
