import { ApiError } from "~/api/errors";
import { errorResponse } from "~/api/handler.server";

/** Any other path under /api/v1: 404 in the API's JSON error shape, whatever the method. */
function unknownPath({ request }: { request: Request }): Response {
  const { pathname } = new URL(request.url);
  return errorResponse(
    new ApiError(
      "not_found",
      `Unknown API path: ${request.method} ${pathname}. See /api/v1/openapi.json.`,
    ),
  );
}

export const loader = unknownPath;
export const action = unknownPath;
