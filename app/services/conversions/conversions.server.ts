/**
 * Compatibility path for `conversionJson` (imported here by app/services/attribution/emit.ts,
 * which the engine work is rewriting): the builder lives in app/domain/conversion-json.ts. New
 * code imports it from there; drop this file once emit.ts does.
 */
export { conversionJson, type ConversionJson } from "~/domain/conversion-json";
