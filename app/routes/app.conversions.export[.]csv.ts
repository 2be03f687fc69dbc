import { data, type LoaderFunctionArgs } from "@remix-run/node";
import { requireBrandUser } from "~/auth/guards.server";
import { parseConversionFilterParams } from "~/domain/conversion-report";
import { conversionsCsvResponse } from "~/services/csv-export.server";

/** The dashboard's "Export CSV": the page's filters, streamed (brand session). */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandUser(request, context);
  const { filters, errors } = parseConversionFilterParams(new URL(request.url).searchParams);
  if (Object.keys(errors).length > 0) {
    throw data({ errors }, { status: 400 });
  }
  return conversionsCsvResponse(context.db, brand.id, filters, {
    signal: request.signal,
    headOnly: request.method === "HEAD",
  });
}
