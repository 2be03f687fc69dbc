/**
 * Referral link `/r/{code}` (resource route; the loader answers GET and HEAD). In the running
 * server, the hot-path listener in front of express answers this path first (server.ts ->
 * app/http/hot-paths.server.ts) with the same implementation, app/http/referral.server.ts; this
 * route answers everywhere else (tests, and visits whose database work failed there).
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { referralReply } from "~/http/referral.server";
import { toResponse } from "~/http/reply.server";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  return toResponse(
    await referralReply(context.db, context.config, {
      code: params.code ?? "",
      method: request.method,
      userAgent: request.headers.get("User-Agent"),
      referrer: request.headers.get("Referer"),
      ip: context.clientIp,
    }),
  );
}
