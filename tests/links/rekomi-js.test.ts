// @vitest-environment jsdom
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const FILE = path.resolve(__dirname, "../../public/rekomi.js");
const CODE = readFileSync(FILE, "utf8");
const ID = "0b7c9a52-1f7e-4d1c-9a53-2f3c4d5e6f70";

interface RekomiApi {
  ref(): string | null;
  scan(): void;
}
type Win = Window & { Rekomi?: RekomiApi };

let cookieWrites: string[] = [];
const nativeCookie = Object.getOwnPropertyDescriptor(Document.prototype, "cookie")!;

/** Evaluate the snippet as a browser would on a page at `url` (a fake `location`). */
function runSnippet(
  url: string,
  opts: { attrs?: Record<string, string>; storage?: unknown; withScriptTag?: boolean } = {},
) {
  if (opts.withScriptTag !== false) {
    const s = document.createElement("script");
    s.setAttribute("src", "https://rekomi.example.com/rekomi.js");
    for (const [k, v] of Object.entries(opts.attrs ?? {})) s.setAttribute(k, v);
    document.head.appendChild(s);
  }
  const fakeLocation = new URL(url);
  const fn = new Function("window", "document", "location", "localStorage", CODE) as (
    ...args: unknown[]
  ) => void;
  fn(window, document, fakeLocation, opts.storage ?? window.localStorage);
  return (window as Win).Rekomi!;
}

function page(html: string) {
  document.body.innerHTML = html;
}

function href(id: string) {
  return (document.getElementById(id) as HTMLAnchorElement).getAttribute("href");
}

beforeEach(() => {
  cookieWrites = [];
  Object.defineProperty(document, "cookie", {
    configurable: true,
    get: () => nativeCookie.get!.call(document),
    set: (v: string) => {
      cookieWrites.push(v);
      nativeCookie.set!.call(document, v);
    },
  });
  nativeCookie.set!.call(document, "rekomi_ref=; Max-Age=0; Path=/");
  window.localStorage.clear();
  document.head.innerHTML = "";
  document.body.innerHTML = "";
  delete (window as Win).Rekomi;
});
afterEach(() => {
  delete (document as unknown as Record<string, unknown>).cookie;
});

describe("public/rekomi.js", () => {
  it("is small and dependency-free", () => {
    expect(Buffer.byteLength(CODE)).toBeLessThan(2048);
    expect(CODE).not.toMatch(/\bimport\b|\brequire\(/);
  });

  it("reads rk_ref from the landing URL and rewrites Stripe Payment Links", () => {
    page(`
      <a id="plain" href="https://buy.stripe.com/test_abc123">Buy</a>
      <a id="query" href="https://buy.stripe.com/test_abc123?prefilled_email=a%40b.com#x">Buy</a>
      <a id="own" href="https://buy.stripe.com/test_abc123?client_reference_id=brand-own">Buy</a>
      <a id="other" href="https://example.com/pricing?next=https://buy.stripe.com/x">Pricing</a>
      <a id="lookalike" href="https://buy.stripe.com.evil.example/x">Evil</a>
      <a id="http" href="http://buy.stripe.com/test_abc123">Insecure</a>
      <stripe-pricing-table id="table" pricing-table-id="prctbl_1"></stripe-pricing-table>
      <stripe-buy-button id="button" client-reference-id="kept"></stripe-buy-button>
    `);
    const api = runSnippet(`https://brand.example.com/landing?utm_source=aff&rk_ref=${ID}#top`, {
      attrs: { "data-cookie-days": "45" },
    });

    expect(api.ref()).toBe(ID);
    expect(href("plain")).toBe(`https://buy.stripe.com/test_abc123?client_reference_id=${ID}`);
    expect(href("query")).toBe(
      `https://buy.stripe.com/test_abc123?prefilled_email=a%40b.com&client_reference_id=${ID}#x`,
    );
    expect(href("own")).toBe("https://buy.stripe.com/test_abc123?client_reference_id=brand-own");
    expect(href("other")).toBe("https://example.com/pricing?next=https://buy.stripe.com/x");
    expect(href("lookalike")).toBe("https://buy.stripe.com.evil.example/x");
    expect(href("http")).toBe("http://buy.stripe.com/test_abc123");
    expect(document.getElementById("table")!.getAttribute("client-reference-id")).toBe(ID);
    expect(document.getElementById("button")!.getAttribute("client-reference-id")).toBe("kept");

    // First-party cookie on the brand's domain for the window from the data attribute.
    expect(cookieWrites).toHaveLength(1);
    const attrs = cookieWrites[0].split(/;\s*/);
    expect(attrs[0]).toBe(`rekomi_ref=${ID}`);
    expect(attrs).toEqual(
      expect.arrayContaining([`Max-Age=${45 * 86400}`, "Path=/", "SameSite=Lax", "Secure"]),
    );
    const stored = JSON.parse(window.localStorage.getItem("rekomi_ref")!) as {
      v: string;
      e: number;
    };
    expect(stored.v).toBe(ID);
    expect(stored.e).toBeGreaterThan(Date.now() + 44 * 86_400_000);
  });

  it("remembers the click id on later pages (cookie) and defaults to a 30-day window", () => {
    runSnippet(`http://brand.example.com/?rk_ref=${ID}`, { withScriptTag: false });
    expect(cookieWrites[0]).toContain(`Max-Age=${30 * 86400}`);
    expect(cookieWrites[0]).not.toContain("Secure");
    delete (window as Win).Rekomi;
    page(`<a id="buy" href="https://buy.stripe.com/live_1">Buy</a>`);
    const api = runSnippet("http://brand.example.com/pricing");
    expect(api.ref()).toBe(ID);
    expect(href("buy")).toBe(`https://buy.stripe.com/live_1?client_reference_id=${ID}`);
  });

  it("falls back to localStorage and ignores an expired entry", () => {
    window.localStorage.setItem("rekomi_ref", JSON.stringify({ v: ID, e: Date.now() + 60_000 }));
    expect(runSnippet("https://brand.example.com/").ref()).toBe(ID);
    window.localStorage.setItem("rekomi_ref", JSON.stringify({ v: ID, e: Date.now() - 1 }));
    expect(runSnippet("https://brand.example.com/").ref()).toBeNull();
  });

  it("tags Payment Links added after load when they are clicked", () => {
    const api = runSnippet(`https://brand.example.com/?rk_ref=${ID}`);
    page(`<a id="late" href="https://buy.stripe.com/late"><span id="inner">Buy</span></a>`);
    document.addEventListener("click", (e) => e.preventDefault());
    document
      .getElementById("inner")!
      .dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
    expect(href("late")).toBe(`https://buy.stripe.com/late?client_reference_id=${ID}`);
    page(`<a id="later" href="https://buy.stripe.com/later">Buy</a>`);
    api.scan();
    expect(href("later")).toBe(`https://buy.stripe.com/later?client_reference_id=${ID}`);
  });

  it("ignores a malformed rk_ref and leaves links alone", () => {
    page(`<a id="buy" href="https://buy.stripe.com/x">Buy</a>`);
    const api = runSnippet("https://brand.example.com/?rk_ref=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    expect(api.ref()).toBeNull();
    expect(href("buy")).toBe("https://buy.stripe.com/x");
    expect(cookieWrites).toEqual([]);
  });

  it("never throws, even when storage and cookies are unavailable", () => {
    Object.defineProperty(document, "cookie", {
      configurable: true,
      get: () => {
        throw new Error("cookies blocked");
      },
      set: () => {
        throw new Error("cookies blocked");
      },
    });
    const brokenStorage = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
    };
    page(`<a id="buy" href="https://buy.stripe.com/x">Buy</a>`);
    let api: RekomiApi | undefined;
    expect(() => {
      api = runSnippet(`https://brand.example.com/?rk_ref=${ID}`, {
        storage: brokenStorage,
        attrs: { "data-cookie-days": "not-a-number", "data-cookie-domain": "bad domain;x=1" },
      });
    }).not.toThrow();
    expect(api!.ref()).toBe(ID);
    expect(href("buy")).toBe(`https://buy.stripe.com/x?client_reference_id=${ID}`);
    delete (window as Win).Rekomi;
    expect(() =>
      runSnippet("https://brand.example.com/", { storage: brokenStorage }),
    ).not.toThrow();
    expect((window as Win).Rekomi!.ref()).toBeNull();
  });

  it("can share the cookie across the brand's subdomains", () => {
    runSnippet(`https://www.brand.example.com/?rk_ref=${ID}`, {
      attrs: { "data-cookie-domain": ".brand.example.com" },
    });
    expect(cookieWrites[0]).toContain("Domain=.brand.example.com");
  });
});
