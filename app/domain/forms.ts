import type { z } from "zod";

/** Field name -> first error message, for rendering next to each input. */
export type FieldErrors<K extends string = string> = Partial<Record<K, string>>;

/** First message per top-level field of a zod error (`path[0]`); path-less issues go under "form". */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? String(issue.path[0]) : "form";
    if (out[key] === undefined) out[key] = issue.message;
  }
  return out;
}

/** The string fields of a form (files and repeated keys ignored beyond the first value). */
export function formFields(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of form.entries()) {
    if (typeof value === "string" && !(key in out)) out[key] = value;
  }
  return out;
}
