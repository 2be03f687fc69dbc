/**
 * Layout checks for the browser tests: find every page of a portal by following its links, then
 * load each one at the four widths the product must fit (phone, tablet, two laptops) and report
 * any page that scrolls sideways (`document.documentElement.scrollWidth > innerWidth`).
 */
import type { Page } from "playwright-core";

export const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 768, height: 1024 },
  { width: 1280, height: 800 },
  { width: 1366, height: 768 },
] as const;

const SKIP = /\/logout$|\.csv$|\/export/;

/** The paths under `prefix` reachable by links from `start` (breadth-first, at most `limit`). */
export async function crawl(
  page: Page,
  start: string,
  prefix: string,
  limit = 40,
): Promise<string[]> {
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0 && seen.size < limit) {
    const path = queue.shift()!;
    await page.goto(path);
    const hrefs = await page.$$eval("a[href]", (as) =>
      as.filter((a) => !a.hasAttribute("download")).map((a) => (a as HTMLAnchorElement).href),
    );
    for (const href of hrefs) {
      const url = new URL(href);
      if (url.origin !== new URL(page.url()).origin) continue;
      const next = url.pathname;
      if (!next.startsWith(prefix) || SKIP.test(next) || seen.has(next)) continue;
      if (seen.size >= limit) break;
      seen.add(next);
      queue.push(next);
    }
  }
  return [...seen];
}

export interface SideScroll {
  path: string;
  width: number;
  scrollWidth: number;
  /** The outermost elements sticking out on the right, e.g. "table.conversions-table", for diagnosis. */
  culprits: string[];
}

/** Every (page, width) where the document is wider than the window. */
export async function sideScrolls(page: Page, paths: readonly string[]): Promise<SideScroll[]> {
  const found: SideScroll[] = [];
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize(viewport);
    for (const path of paths) {
      await page.goto(path);
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      if (scrollWidth > viewport.width)
        found.push({ path, width: viewport.width, scrollWidth, culprits: await culprits(page) });
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  return found;
}

/** Elements whose right edge is past the window while their parent's is not. */
function culprits(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const limit = window.innerWidth + 1;
    const name = (el: Element) =>
      el.tagName.toLowerCase() + [...el.classList].map((c) => `.${c}`).join("");
    const scrolls = (el: Element) => /auto|scroll|hidden/.test(getComputedStyle(el).overflowX);
    // A scroller clips its content, except absolutely placed children when it is not positioned.
    const insideScroller = (el: Element): boolean => {
      const absolute = /absolute|fixed/.test(getComputedStyle(el).position);
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement)
        if (scrolls(a) && (!absolute || getComputedStyle(a).position !== "static")) return true;
      return false;
    };
    const out: string[] = [];
    for (const el of document.body.querySelectorAll("*")) {
      const parent = el.parentElement;
      if (el.getBoundingClientRect().right <= limit || !parent || insideScroller(el)) continue;
      if (parent.getBoundingClientRect().right > limit) continue;
      out.push(`${name(parent)} > ${name(el)}`);
    }
    return out.slice(0, 5);
  });
}
