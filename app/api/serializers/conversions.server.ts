/** Conversion responses for /api/v1, checked against the published schemas. */
import { respond } from "~/api/handler.server";
import type { Page } from "~/api/pagination.server";
import { Conversion, ConversionList } from "~/api/schemas";
import type { ConversionJson } from "~/domain/conversion-json";

export function conversionResponse(json: ConversionJson, status = 200): Response {
  return respond(Conversion, json, status);
}

export function conversionPageResponse(page: Page<ConversionJson>): Response {
  return respond(ConversionList, page);
}
