import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { axeViolations, screenshot, startStack, type Stack } from "./harness";

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
});
