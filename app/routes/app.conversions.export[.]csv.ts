import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireBrandUser } from "~/auth/guards.server";
import { parseConversionFilterParams } from "~/domain/conversion-report";
import { conversionsCsvResponse } from "~/services/conversions/csv-export.server";

/** The dashboard's "Export CSV": the page's filters, streamed (brand session). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const { filters, errors } = parseConversionFilterParams(new URL(request.url).searchParams);
  const problems = Object.entries(errors);
  if (problems.length > 0) {
    const text = problems.map(([field, message]) => `${field}: ${message}`).join("\n");
    return new Response(`The export filters are not valid:\n${text}\n`, {
      status: 400,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
  return conversionsCsvResponse(context.db, brand.id, filters, {
    signal: request.signal,
    headOnly: request.method === "HEAD",
  });
}
