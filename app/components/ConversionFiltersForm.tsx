import { type ElementType, type ReactNode, useId } from "react";
import {
  METHODS_IN_DISPLAY_ORDER,
  CONVERSION_STATUS_LABELS,
  CONVERSION_STATUSES,
  type ConversionFilterField,
  type ConversionFilterValues,
  METHOD_LABELS,
} from "~/domain/conversion-report";

export interface FilterOption {
  id: string;
  name: string;
}

/**
 * The conversions filter form: source, affiliate, code, status and a date range, sent as GET
 * query parameters (bookmarkable; the CSV export reuses them). Errors are linked to their fields.
 */
export function ConversionFiltersForm({
  values,
  errors = {},
  affiliates,
  action,
  form: FormElement = "form",
  resetHref,
}: {
  values: ConversionFilterValues;
  errors?: Partial<Record<ConversionFilterField, string>>;
  affiliates: FilterOption[];
  action?: string;
  /** Remix's `Form` in the app (client navigation); a plain form elsewhere. */
  form?: ElementType;
  resetHref?: string;
}) {
  const uid = useId().replace(/:/g, "");
  const idOf = (f: ConversionFilterField) => `filter-${f}-${uid}`;
  const described = (f: ConversionFilterField) => (errors[f] ? `${idOf(f)}-error` : undefined);
  const errorOf = (f: ConversionFilterField): ReactNode =>
    errors[f] ? (
      <span className="error" id={`${idOf(f)}-error`}>
        {errors[f]}
      </span>
    ) : null;
  const common = (f: ConversionFilterField) => ({
    id: idOf(f),
    name: f,
    "aria-invalid": errors[f] ? true : undefined,
    "aria-describedby": described(f),
  });
  return (
    <FormElement
      method="get"
      action={action}
      className="conversion-filters"
      role="search"
      aria-label="Filter conversions"
    >
      <div className="filter-grid">
        <div className="field">
          <label htmlFor={idOf("source")}>Source</label>
          <select {...common("source")} defaultValue={values.source}>
            <option value="">All sources</option>
            {METHODS_IN_DISPLAY_ORDER.map((m) => (
              <option key={m} value={m}>
                {METHOD_LABELS[m]}
              </option>
            ))}
          </select>
          {errorOf("source")}
        </div>
        <div className="field">
          <label htmlFor={idOf("affiliate")}>Affiliate</label>
          <select {...common("affiliate")} defaultValue={values.affiliate}>
            <option value="">All affiliates</option>
            {affiliates.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          {errorOf("affiliate")}
        </div>
        <div className="field">
          <label htmlFor={idOf("code")}>Coupon code</label>
          <input
            {...common("code")}
            type="search"
            defaultValue={values.code}
            placeholder="e.g. SARAH20"
            autoCapitalize="characters"
            spellCheck={false}
          />
          {errorOf("code")}
        </div>
        <div className="field">
          <label htmlFor={idOf("status")}>Status</label>
          <select {...common("status")} defaultValue={values.status}>
            <option value="">All statuses</option>
            {CONVERSION_STATUSES.map((s) => (
              <option key={s} value={s}>
                {CONVERSION_STATUS_LABELS[s]}
              </option>
            ))}
          </select>
          {errorOf("status")}
        </div>
        <div className="field">
          <label htmlFor={idOf("from")}>From</label>
          <input {...common("from")} type="date" defaultValue={values.from} />
          {errorOf("from")}
        </div>
        <div className="field">
          <label htmlFor={idOf("to")}>To (inclusive)</label>
          <input {...common("to")} type="date" defaultValue={values.to} />
          {errorOf("to")}
        </div>
      </div>
      <div className="row">
        <button type="submit" className="primary">
          Apply filters
        </button>
        {resetHref ? (
          <a className="button" href={resetHref}>
            Clear
          </a>
        ) : null}
      </div>
    </FormElement>
  );
}
