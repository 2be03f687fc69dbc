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

interface Option {
  value: string;
  label: string;
}

const sourceOptions: Option[] = METHODS_IN_DISPLAY_ORDER.map((m) => ({
  value: m,
  label: METHOD_LABELS[m],
}));
const statusOptions: Option[] = CONVERSION_STATUSES.map((s) => ({
  value: s,
  label: CONVERSION_STATUS_LABELS[s],
}));

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
  const field = (f: ConversionFilterField, label: string, control: ReactNode) => (
    <div className="field">
      <label htmlFor={idOf(f)}>{label}</label>
      {control}
      {errorOf(f)}
    </div>
  );
  const select = (f: ConversionFilterField, all: string, options: Option[]) => (
    <select {...common(f)} defaultValue={values[f]}>
      <option value="">{all}</option>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
  return (
    <FormElement
      method="get"
      action={action}
      className="conversion-filters"
      role="search"
      aria-label="Filter conversions"
    >
      <div className="filter-grid">
        {field("source", "Source", select("source", "All sources", sourceOptions))}
        {field(
          "affiliate",
          "Affiliate",
          select(
            "affiliate",
            "All affiliates",
            affiliates.map((a) => ({ value: a.id, label: a.name })),
          ),
        )}
        {field(
          "code",
          "Coupon code",
          <input
            {...common("code")}
            type="search"
            defaultValue={values.code}
            placeholder="e.g. SARAH20"
            autoCapitalize="characters"
            spellCheck={false}
          />,
        )}
        {field("status", "Status", select("status", "All statuses", statusOptions))}
        {field(
          "from",
          "From",
          <input {...common("from")} type="date" defaultValue={values.from} />,
        )}
        {field(
          "to",
          "To (inclusive)",
          <input {...common("to")} type="date" defaultValue={values.to} />,
        )}
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
