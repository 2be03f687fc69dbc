import { z } from "zod";
import { describe, expect, it } from "vitest";
import {
  API_ERROR_STATUS,
  ApiError,
  assertOk,
  fromFieldErrors,
  fromZodError,
  paramOf,
} from "../../app/api/errors";
import { errorResponse } from "../../app/api/handler.server";

describe("API error helpers", () => {
  it("maps every contract type to its status", () => {
    expect(API_ERROR_STATUS).toMatchObject({
      invalid_request: 400,
      authentication: 401,
      permission: 403,
      plan_required: 403,
      not_found: 404,
      conflict: 409,
      rate_limited: 429,
      stripe_error: 502,
    });
  });

  it.each(Object.entries(API_ERROR_STATUS))(
    "errorResponse(%s) has status %i and the JSON shape",
    async (type, status) => {
      const res = errorResponse(
        new ApiError(type as keyof typeof API_ERROR_STATUS, "Something.", "field"),
      );
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({ error: { type, message: "Something.", param: "field" } });
    },
  );

  it("omits param when there is none", () => {
    expect(new ApiError("not_found", "Gone.").toJSON()).toEqual({
      error: { type: "not_found", message: "Gone." },
    });
  });

  it("params are dotted snake_case paths with [n] for array items", () => {
    expect(paramOf(["commission", "percent"])).toBe("commission.percent");
    expect(paramOf(["events", 2])).toBe("events[2]");
    expect(paramOf(["campaignId"])).toBe("campaign_id");
    expect(paramOf([])).toBeUndefined();
  });

  it("zod errors become invalid_request naming the first offending field", () => {
    const schema = z.strictObject({ a: z.object({ b: z.number() }), c: z.string() });
    const missing = schema.safeParse({ a: { b: 1 } });
    expect(fromZodError(missing.error!).toJSON().error).toEqual({
      type: "invalid_request",
      message: "Missing required parameter: c.",
      param: "c",
    });
    const wrong = schema.safeParse({ a: { b: "x" }, c: "y" });
    expect(fromZodError(wrong.error!).param).toBe("a.b");
    const unknown = schema.safeParse({ a: { b: 1 }, c: "y", d: 1 });
    expect(fromZodError(unknown.error!).toJSON().error).toEqual({
      type: "invalid_request",
      message: "Unknown parameter: d.",
      param: "d",
    });
  });

  it("service field errors and typed results convert", () => {
    expect(fromFieldErrors({ campaignId: "Unknown campaign." }).toJSON().error).toEqual({
      type: "invalid_request",
      message: "Unknown campaign.",
      param: "campaign_id",
    });
    const failed = { ok: false as const, error: { type: "plan_required", message: "Upgrade." } };
    expect(() => assertOk(failed as { ok: true } | typeof failed)).toThrow(ApiError);
    try {
      assertOk(failed as { ok: true } | typeof failed);
    } catch (e) {
      expect((e as ApiError).status).toBe(403);
      expect((e as ApiError).type).toBe("plan_required");
    }
    const ok: { ok: true; value: number } | typeof failed = { ok: true, value: 1 };
    assertOk(ok);
    expect(ok.value).toBe(1);
  });
});
