import type { AppContext } from "../../app/context.server";
import { parseConfig, type Config } from "../../app/config.server";
import type { DB } from "../../app/db/db.server";

export const TEST_CSRF = "t".repeat(43);

export function testConfig(overrides: Record<string, string> = {}): Config {
  const result = parseConfig({
    NODE_ENV: "test",
    SESSION_SECRET: "test-session-secret-that-is-long-enough-0123456789",
    ENCRYPTION_KEY: "0".repeat(64),
    APP_URL: "http://localhost:3000",
    ...overrides,
  });
  if (!result.ok) throw new Error(result.errors.join("\n"));
  return result.config;
}

export function testContext(db: DB, overrides: Partial<AppContext> = {}): AppContext {
  return { db, config: testConfig(), clientIp: "127.0.0.1", csrfToken: TEST_CSRF, ...overrides };
}

/** Merge Set-Cookie headers from responses into a Cookie header, like a browser would. */
export class CookieJar {
  private cookies = new Map<string, string>([["__rekomi_csrf", TEST_CSRF]]);
  absorb(response: Response): this {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return this;
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
  set(name: string, value: string): this {
    this.cookies.set(name, value);
    return this;
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

const BASE = "http://localhost:3000";

export function getRequest(path: string, jar?: CookieJar): Request {
  return new Request(BASE + path, { headers: jar ? { Cookie: jar.header() } : {} });
}

/** A form POST with the CSRF token filled in (pass csrf: null to leave it out). */
export function postForm(
  path: string,
  fields: Record<string, string>,
  jar?: CookieJar,
  opts: { csrf?: string | null } = {},
): Request {
  const body = new URLSearchParams(fields);
  const csrf = opts.csrf === undefined ? TEST_CSRF : opts.csrf;
  if (csrf !== null) body.set("_csrf", csrf);
  return new Request(BASE + path, {
    method: "POST",
    body,
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      ...(jar ? { Cookie: jar.header() } : { Cookie: `__rekomi_csrf=${TEST_CSRF}` }),
    },
  });
}

/** Run a loader/action and return the thrown-or-returned Response (redirects are thrown). */
export async function settle(p: Promise<unknown>): Promise<unknown> {
  try {
    return await p;
  } catch (thrown) {
    return thrown;
  }
}
