import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  axeViolations,
  confirmEmailFromInbox,
  screenshot,
  startStack,
  type Stack,
} from "./harness";

/**
 * Foundation journey in a real browser: a brand signs up, creates a campaign, an affiliate joins
 * through the join link, the brand approves them, and the affiliate sees their referral link.
 */
describe("foundation journey (Chromium)", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("brand signs up, creates a campaign; affiliate joins, is approved and sees the link", async () => {
    const brandCtx = await stack.newContext();
    const brand = await brandCtx.newPage();
    await brand.goto("/login");
    expect(await axeViolations(brand)).toEqual([]);
    await screenshot(brand, "01-login");

    await brand.goto("/signup");
    await brand.waitForSelector("html[data-hydrated]");
    await brand.getByLabel("Brand name").fill("Northwind Metrics");
    await brand.getByLabel("Your name").fill("Nora West");
    await brand.getByLabel("Email").fill("nora@northwind.test");
    await brand.getByLabel("Password", { exact: true }).fill("correct horse battery");
    await brand.getByLabel(/Confirm|Repeat/).fill("correct horse battery");
    await brand.getByRole("button", { name: /Create|Start|Sign up/ }).click();
    await confirmEmailFromInbox(stack, brand, "nora@northwind.test");
    await brand.waitForURL("**/app");
    // The URL changes before React commits the new page (startTransition), so wait for the
    // heading itself rather than reading whichever h1 is on screen right after the URL changed.
    await brand.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
    expect(await axeViolations(brand)).toEqual([]);
    await screenshot(brand, "02-dashboard");

    await brand.goto("/app/campaigns/new");
    await brand.waitForSelector("html[data-hydrated]");
    await brand.getByLabel("Name").fill("Northwind Partners");
    await brand.getByLabel("Destination URL").fill("https://northwind.example.com/pricing");
    await brand.getByLabel("Commission (%)").fill("20");
    await brand.getByRole("button", { name: "Create campaign" }).click();
    await brand.waitForURL(/\/app\/campaigns\/[0-9a-f-]{36}/);
    const joinUrl = await brand.locator("input[value*='/join/']").first().inputValue();
    expect(joinUrl).toMatch(/\/join\/northwind-partners/);
    await screenshot(brand, "03-campaign");

    const affCtx = await stack.newContext();
    const aff = await affCtx.newPage();
    await aff.goto(joinUrl);
    await aff.waitForSelector("html[data-hydrated]");
    await aff.getByLabel("Your name").fill("Sam Rivera");
    await aff.getByLabel("Email").fill("sam@creators.test");
    await aff.getByLabel("Password").fill("sam's long password");
    await aff
      .getByRole("button")
      .filter({ hasText: /Join|Apply|Sign up/ })
      .click();
    await confirmEmailFromInbox(stack, aff, "sam@creators.test");
    await aff.waitForURL("**/a");
    await expect(
      aff
        .getByText(/awaiting approval/i)
        .first()
        .textContent(),
    ).resolves.toBeTruthy();
    await screenshot(aff, "04-affiliate-pending");

    await brand.goto("/app/affiliates?status=pending");
    await brand.getByRole("button", { name: "Approve Sam Rivera" }).click();
    await brand
      .getByText(/approved/i)
      .first()
      .waitFor();
    await screenshot(brand, "05-affiliates");

    await aff.reload();
    const link = await aff.locator("input[value*='/r/']").first().inputValue();
    expect(link).toMatch(new RegExp(`^${stack.baseUrl}/r/[a-z0-9]+$`));
    expect(await axeViolations(aff)).toEqual([]);
    await screenshot(aff, "06-affiliate-portal");

    await brandCtx.close();
    await affCtx.close();
  }, 120_000);

  it("logs in by keyboard alone, and a wrong password is announced next to the form", async () => {
    const ctx = await stack.newContext();
    const page = await ctx.newPage();
    await page.goto("/login");
    await page.waitForSelector("html[data-hydrated]");
    const focusedName = () =>
      page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name ?? "");
    for (let i = 0; i < 10 && (await focusedName()) !== "email"; i++)
      await page.keyboard.press("Tab");
    expect(await focusedName()).toBe("email");
    await page.keyboard.type("nora@northwind.test");
    await page.keyboard.press("Tab");
    expect(await focusedName()).toBe("password");
    await page.keyboard.type("not the password");
    await page.keyboard.press("Enter");
    await page.getByRole("alert").first().waitFor();
    await expect(page.getByRole("alert").first().textContent()).resolves.toContain("incorrect");
    await page.locator('input[name="password"]').fill("correct horse battery");
    await page.locator('input[name="password"]').press("Enter");
    await page.waitForURL("**/app");
    await ctx.close();
  }, 60_000);

  it("unknown pages answer 404 inside each portal's frame, without hydration errors; the favicon is served", async () => {
    const problems: string[] = [];
    const signIn = async (email: string, password: string, landing: string) => {
      const ctx = await stack.newContext();
      const page = await ctx.newPage();
      page.on("console", (m) => {
        if (m.type() === "error" && !/status of 404/.test(m.text())) problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(e.message));
      await page.goto("/login");
      await page.waitForSelector("html[data-hydrated]");
      await page.locator('input[name="email"]').fill(email);
      await page.locator('input[name="password"]').fill(password);
      await page.locator('input[name="password"]').press("Enter");
      await page.waitForURL(`**${landing}`);
      return { ctx, page };
    };

    const brand = await signIn("nora@northwind.test", "correct horse battery", "/app");
    const brandMiss = await brand.page.goto("/app/no-such-page");
    expect(brandMiss?.status()).toBe(404);
    await brand.page.waitForSelector("html[data-hydrated]");
    await brand.page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    // The brand portal's navigation is still there around the message.
    await brand.page.getByRole("link", { name: "Campaigns" }).waitFor();
    await screenshot(brand.page, "07-brand-404");
    await brand.page.getByRole("link", { name: "Go to the dashboard" }).click();
    await brand.page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();

    const aff = await signIn("sam@creators.test", "sam's long password", "/a");
    const affMiss = await aff.page.goto("/a/campaigns/x/y/z");
    expect(affMiss?.status()).toBe(404);
    await aff.page.waitForSelector("html[data-hydrated]");
    await aff.page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    await aff.page.getByRole("link", { name: "My earnings" }).waitFor();
    expect(await axeViolations(aff.page)).toEqual([]);

    const anon = await aff.ctx.browser()!.newContext({ baseURL: stack.baseUrl });
    const page = await anon.newPage();
    page.on("pageerror", (e) => problems.push(e.message));
    expect((await page.goto("/nowhere"))?.status()).toBe(404);
    await page.waitForSelector("html[data-hydrated]");
    await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    expect(await page.locator('link[rel="icon"]').getAttribute("href")).toBe("/favicon.svg");
    const icon = await page.request.get("/favicon.svg");
    expect(icon.status()).toBe(200);
    expect(icon.headers()["content-type"]).toContain("image/svg+xml");

    expect(problems).toEqual([]);
    expect(stack.logs()).not.toContain("No route matches");
    await Promise.all([brand.ctx.close(), aff.ctx.close(), anon.close()]);
  }, 90_000);
});
