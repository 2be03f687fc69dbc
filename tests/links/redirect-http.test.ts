/**
 * `/r/{code}` over real HTTP through the hot-path listener that server.ts puts in front of express
 * (app/http/hot-paths.server.ts): the same bytes as the Remix route behind it, for every kind of
 * visit, and what it leaves to the app.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, createPool } from "../../app/db/db.server";
import type { Campaign } from "../../app/db/schema";
import { testContext } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { BROWSER_UA, brandWithCampaign, enrolledAffiliate } from "./helpers";
import {
  normalized,
  rawRequest,
  startHotPathServers,
  type HotPathServers,
} from "./hot-path-server";

describe("GET|HEAD /r/{code} in front of express", () => {
  let t: TestDatabase;
  let s: HotPathServers;
  let campaign: Campaign;
  let code: string;
  let pendingCode: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    ({ campaign } = await brandWithCampaign(t.db, "HTTP Links", {
      destinationUrl: "https://shop.example.com/pricing?plan=pro#compare",
      cookieWindowDays: 45,
    }));
    code = (await enrolledAffiliate(t.db, campaign)).enrollment.link_code;
    pendingCode = (await enrolledAffiliate(t.db, campaign, "pending")).enrollment.link_code;
    s = await startHotPathServers(testContext(t.db));
  });
  afterAll(async () => {
    await s?.close();
    await t?.drop();
  });

  async function clicks(): Promise<number> {
    const row = await t.db
      .selectFrom("clicks")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The same request to both servers; both answers, normalised. */
  async function both(method: string, path: string, headers: Record<string, string> = {}) {
    const hot = await rawRequest(s.hot, method, path, headers);
    const plain = await rawRequest(s.plain, method, path, headers);
    return { hot, plain };
  }

  it.each([
    [
      "a counted visit",
      "GET",
      (): string => `/r/${code}`,
      { "User-Agent": BROWSER_UA, Referer: "https://blog.example.org/" },
    ],
    [
      "a counted visit, trailing slash and a query",
      "GET",
      (): string => `/r/${code}/?to=https://evil.example.net`,
      { "User-Agent": BROWSER_UA },
    ],
    ["HEAD", "HEAD", (): string => `/r/${code}`, { "User-Agent": BROWSER_UA }],
    ["a bot", "GET", (): string => `/r/${code}`, { "User-Agent": "curl/8.5.0" }],
    ["a pending affiliate", "GET", (): string => `/r/${pendingCode}`, { "User-Agent": BROWSER_UA }],
    ["an unknown code", "GET", (): string => "/r/zzzzzzzz", { "User-Agent": BROWSER_UA }],
    [
      "an unknown code, gzip accepted (the 404 page is compressed)",
      "GET",
      (): string => "/r/zzzzzzzz",
      { "User-Agent": BROWSER_UA, "Accept-Encoding": "gzip, deflate, br" },
    ],
    ["HEAD of an unknown code", "HEAD", (): string => "/r/zzzzzzzz", {}],
    ["a malformed code", "GET", (): string => "/r/..%2F..%2Fetc", { "User-Agent": BROWSER_UA }],
  ] as const)(
    "%s: the same status, headers and body as the Remix route",
    async (_name, method, path, headers) => {
      const before = await clicks();
      const { hot, plain } = await both(method, path(), headers);
      expect(normalized(hot)).toEqual(normalized(plain));
      expect(s.fellThrough.filter((r) => r.includes("/r/"))).toEqual([`${method} ${path()}`]);
      s.fellThrough.length = 0;
      // A counted visit records one click per request, on both paths.
      const counted =
        method === "GET" &&
        hot.status === 302 &&
        hot.headers.some((h) => h.startsWith("set-cookie:"));
      expect(await clicks()).toBe(before + (counted ? 2 : 0));
    },
  );

  it("a counted visit: 302 with rk_ref, the click cookie and the security headers; the click is committed", async () => {
    const r = await rawRequest(s.hot, "GET", `/r/${code}`, { "User-Agent": BROWSER_UA });
    expect(r.status).toBe(302);
    const location = r.headers.find((h) => h.startsWith("location: "))!.slice("location: ".length);
    const clickId = new URL(location).searchParams.get("rk_ref")!;
    expect(location).toBe(`https://shop.example.com/pricing?plan=pro&rk_ref=${clickId}#compare`);
    expect(r.headers).toContain(
      `set-cookie: rekomi_ref=${clickId}; Max-Age=${45 * 86400}; Path=/; HttpOnly; SameSite=Lax`,
    );
    expect(r.headers).toContain("X-Frame-Options: DENY");
    expect(r.headers).toContain("cache-control: no-store");
    // Answered only after the row committed: it is there the moment the visitor has the id.
    expect(
      await t.db.selectFrom("clicks").select("id").where("id", "=", clickId).executeTakeFirst(),
    ).toEqual({ id: clickId });
  });

  it.each([
    ["another method", "POST", (): string => `/r/${code}`],
    ["another letter case", "GET", (): string => `/R/${code}`],
    ["a Remix data request", "GET", (): string => `/r/${code}.data`],
    ["a malformed escape", "GET", (): string => "/r/%E0%A4%A"],
    ["a deeper path", "GET", (): string => `/r/${code}/x`],
  ] as const)("leaves %s to the app", async (_name, method, path) => {
    s.fellThrough.length = 0;
    const { hot, plain } = await both(method, path(), { "User-Agent": BROWSER_UA });
    // Only the app answered (once for each server), and the same way.
    expect(s.fellThrough).toEqual([`${method} ${path()}`, `${method} ${path()}`]);
    expect(normalized(hot)).toEqual(normalized(plain));
  });

  it("a visit whose database work fails is answered by the app (the Remix route), as without the hot path", async () => {
    const pool = createPool("postgres://postgres:postgres@127.0.0.1:1/nothing", 1);
    const broken = testContext(createDb(pool));
    const servers = await startHotPathServers(broken);
    try {
      const { hot, plain } = await (async () => ({
        hot: await rawRequest(servers.hot, "GET", `/r/${code}`, { "User-Agent": BROWSER_UA }),
        plain: await rawRequest(servers.plain, "GET", `/r/${code}`, { "User-Agent": BROWSER_UA }),
      }))();
      expect(hot.status).toBe(500);
      expect(normalized(hot)).toEqual(normalized(plain));
      expect(servers.fellThrough).toEqual([`GET /r/${code}`, `GET /r/${code}`]);
    } finally {
      await servers.close();
      await pool.end().catch(() => {});
    }
  });
});
