import type { AppContext } from "../../app/context.server";
import type { DB } from "../../app/db/db.server";
import { startUserSession } from "../../app/auth/session.server";
import { createBrandWithOwner } from "../../app/services/accounts/accounts.server";
import { CookieJar, getRequest, settle, testContext } from "../helpers/context";

export interface RouteArgs {
  request: Request;
  params: Record<string, string>;
  context: AppContext;
}
type RouteFn = (args: never) => unknown;

/** What a loader/action produced: a Response (thrown or returned), `data(...)` with a status, or plain data. */
export interface Outcome {
  status: number;
  location: string | null;
  body: unknown;
  response: Response | null;
}

/** Call a route loader/action with a real Request and normalise whatever it returns or throws. */
export async function run(
  fn: RouteFn,
  db: DB,
  request: Request,
  params: Record<string, string> = {},
): Promise<Outcome> {
  const args: RouteArgs = { request, params, context: testContext(db) };
  const result = await settle(Promise.resolve((fn as (a: RouteArgs) => unknown)(args)));
  if (result instanceof Response) {
    return {
      status: result.status,
      location: result.headers.get("Location"),
      body: null,
      response: result,
    };
  }
  if (
    result &&
    typeof result === "object" &&
    (result as { type?: string }).type === "DataWithResponseInit"
  ) {
    const d = result as { data: unknown; init: ResponseInit | null };
    return { status: d.init?.status ?? 200, location: null, body: d.data, response: null };
  }
  if (result instanceof Error) throw result;
  return { status: 200, location: null, body: result, response: null };
}

let counter = 0;

/** A brand with its owner, signed in (the jar holds the session and CSRF cookies). */
export async function brandWithOwner(db: DB, name = "Brand") {
  counter++;
  const email = `owner${counter}-${Date.now()}@brand.test`;
  const created = await createBrandWithOwner(db, {
    brandName: name,
    ownerName: `${name} Owner`,
    email,
    password: "correct-horse-battery",
    plan: "growth",
  });
  const jar = await signIn(db, created.userId);
  return { ...created, email, jar };
}

export async function signIn(db: DB, userId: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const response = await startUserSession(getRequest("/login", jar), testContext(db), userId, "/");
  return jar.absorb(response);
}

export function body<T>(o: Outcome): T {
  return o.body as T;
}
