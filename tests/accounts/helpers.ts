import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { AppContext } from "../../app/context.server";
import type { DB } from "../../app/db/db.server";
import { action as loginAction } from "../../app/routes/login";
import { action as signupAction } from "../../app/routes/signup";
import { CookieJar, postForm, settle, testContext } from "../helpers/context";

type RouteFn = (args: LoaderFunctionArgs & ActionFunctionArgs) => Promise<unknown>;

/** Call a loader or action like Remix does; thrown Responses (redirects, 403, 404) are returned. */
export function call(
  fn: RouteFn,
  request: Request,
  context: AppContext,
  params: Record<string, string> = {},
): Promise<unknown> {
  // Spread: AppLoadContext has an index signature that the AppContext interface lacks.
  return settle(fn({ request, params, context: { ...context } }));
}

interface DataWithInit {
  type: "DataWithResponseInit";
  data: unknown;
  init: ResponseInit | null;
}
function isDataWithInit(value: unknown): value is DataWithInit {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { type?: unknown }).type === "DataWithResponseInit"
  );
}

/** HTTP status of a loader/action result: Response, `data(…, { status })`, or a plain object (200). */
export function statusOf(result: unknown): number {
  if (result instanceof Response) return result.status;
  if (isDataWithInit(result)) return result.init?.status ?? 200;
  return 200;
}

/** The payload of `data(…)` or a plain object. */
export function bodyOf<T>(result: unknown): T {
  if (isDataWithInit(result)) return result.data as T;
  if (result instanceof Response) throw new Error(`Expected data, got a ${result.status} Response`);
  return result as T;
}

export function locationOf(result: unknown): string | null {
  return result instanceof Response ? result.headers.get("Location") : null;
}

let counter = 0;
export function uniqueEmail(tag = "owner"): string {
  counter += 1;
  return `${tag}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 7)}@example.com`;
}

export const PASSWORD = "correct-horse-battery";

/**
 * Sign a brand up through the real signup action ("check your inbox", no session), confirm the
 * address (as the emailed link would; `verified: false` leaves it unconfirmed), then log in
 * through the real login action. Returns the signed-in cookie jar and the login response.
 */
export async function signUpBrand(
  db: DB,
  opts: { brandName?: string; email?: string; ctx?: AppContext; verified?: boolean } = {},
): Promise<{ jar: CookieJar; email: string; response: Response; signup: unknown }> {
  const email = opts.email ?? uniqueEmail();
  const signup = await call(
    signupAction,
    postForm(
      "/signup",
      {
        brandName: opts.brandName ?? "Acme Analytics",
        name: "Alex Owner",
        email,
        password: PASSWORD,
        confirmPassword: PASSWORD,
      },
      new CookieJar(),
    ),
    opts.ctx ?? testContext(db),
  );
  if (statusOf(signup) !== 200 || !bodyOf<{ sentTo?: string }>(signup).sentTo) {
    throw new Error(`signup failed: ${JSON.stringify(bodyOf(signup))}`);
  }
  const normalized = email.trim().toLowerCase();
  if (opts.verified !== false)
    await db
      .updateTable("users")
      .set({ email_verified_at: new Date() })
      .where("email", "=", normalized)
      .execute();
  const { jar, result } = await logIn(db, normalized, PASSWORD, { ctx: opts.ctx });
  if (!(result instanceof Response) || result.status !== 302) {
    throw new Error(`login after signup failed: ${JSON.stringify(bodyOf(result))}`);
  }
  return { jar, email, response: result, signup };
}

/** Log in through the real login action with a fresh jar. */
export async function logIn(
  db: DB,
  email: string,
  password = PASSWORD,
  opts: { ip?: string; jar?: CookieJar; redirectTo?: string; ctx?: AppContext } = {},
): Promise<{ jar: CookieJar; result: unknown }> {
  const jar = opts.jar ?? new CookieJar();
  const fields: Record<string, string> = { email, password };
  if (opts.redirectTo !== undefined) fields.redirectTo = opts.redirectTo;
  const result = await call(
    loginAction,
    postForm("/login", fields, jar),
    opts.ctx ?? testContext(db, { clientIp: opts.ip ?? "127.0.0.1" }),
  );
  if (result instanceof Response) jar.absorb(result);
  return { jar, result };
}
