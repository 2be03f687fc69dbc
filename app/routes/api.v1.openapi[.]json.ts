import { apiJson, publicApiRoute } from "~/api/handler.server";
import { openApiDocument } from "~/api/openapi.server";

/** `GET /api/v1/openapi.json`: the OpenAPI 3.1 document, generated from the zod schemas. Public. */
export const { loader, action } = publicApiRoute({
  GET(ctx) {
    return apiJson(openApiDocument(ctx.config.appUrl), 200, {
      "Cache-Control": "public, max-age=300",
    });
  },
});
