import { randomBytes } from "node:crypto";
import type { Page } from "playwright-core";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  axeViolations,
  confirmEmailFromInbox,
  screenshot,
  startStack,
  type Stack,
} from "./harness";
import { crawl, sideScrolls } from "./layout";
import { startReceiver, type Receiver } from "./receiver";

/**
 * The story, as people do it, in Chromium against the production build:
 * 1. coupon journey — brand connects Stripe, creates a 20%-off coupon, an affiliate joins, mints a
 *    vanity code, a customer redeems it at (emulated) Checkout, the brand and the affiliate see it,
 *    it is refunded, exported as CSV, and a webhook receiver got both events;
 * 2. link journey — a referral link click followed by Checkout, credited with source "Link".
 */
describe("journeys (Chromium)", () => {
  let stack: Stack;
  let receiver: Receiver;
  beforeAll(async () => {
    [stack, receiver] = await Promise.all([startStack(), startReceiver()]);
  }, 180_000);
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  // On failure, keep a picture of every open page for diagnosis.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== "fail") return;
    let i = 0;
    for (const context of stack.browser.contexts()) {
      for (const page of context.pages())
        await screenshot(page, `failure-${ctx.task.name.slice(0, 20)}-${i++}`).catch(() => {});
    }
  });

  /** Wait until React has hydrated the page, so typed values are not lost to a re-render. */
  async function hydrated(page: Page) {
    await page.waitForSelector("html[data-hydrated]");
  }

  async function expectAccessible(page: Page) {
    expect(await axeViolations(page)).toEqual([]);
  }

  async function signUpBrand(page: Page, brandName: string, email: string) {
    await page.goto("/signup");
    await hydrated(page);
    await page.getByLabel("Brand name").fill(brandName);
    await page.getByLabel("Your name").fill("Olivia Owner");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill("a long brand password");
    await page.getByLabel(/Confirm|Repeat/).fill("a long brand password");
    await page.getByRole("button", { name: /Create|Start|Sign up/ }).click();
    await confirmEmailFromInbox(stack, page, email);
    await page.waitForURL("**/app");
  }

  async function connectStripe(page: Page, key: string) {
    await page.goto("/app/settings/stripe");
    await hydrated(page);
    await page.getByLabel("Restricted key").fill(key);
    await page.getByRole("button", { name: "Connect Stripe" }).click();
    await page
      .getByText(/Connected/)
      .first()
      .waitFor();
  }

  async function createCampaign(page: Page, name: string, destination: string): Promise<string> {
    await page.goto("/app/campaigns/new");
    await hydrated(page);
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Destination URL").fill(destination);
    await page.getByLabel("Commission (%)").fill("20");
    await page.getByLabel("Approve new affiliates automatically").check();
    await page.getByRole("button", { name: "Create campaign" }).click();
    await page.waitForURL(/\/app\/campaigns\/[0-9a-f-]{36}/);
    return page.locator("input[value*='/join/']").first().inputValue();
  }

  async function joinAsAffiliate(page: Page, joinUrl: string, name: string, email: string) {
    await page.goto(joinUrl);
    await hydrated(page);
    await page.getByLabel("Your name").fill(name);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("an affiliate password");
    await page
      .getByRole("button")
      .filter({ hasText: /Join|Apply|Sign up/ })
      .click();
    await confirmEmailFromInbox(stack, page, email);
    await page.waitForURL("**/a");
  }

  /** Reload `url` until a table row containing `text` shows up (the job runs asynchronously). */
  async function waitForRow(page: Page, url: string, text: string | RegExp, timeoutMs = 30_000) {
    const start = Date.now();
    for (;;) {
      await page.goto(url);
      if ((await page.locator("tbody tr", { hasText: text }).count()) > 0) return;
      if (Date.now() - start > timeoutMs)
        throw new Error(`"${text}" never appeared on ${url}\n${stack.logs().slice(-3000)}`);
      await page.waitForTimeout(500);
    }
  }

  it("coupon: connect, coupon, vanity code, checkout, dashboard, portal, refund, CSV, webhooks", async () => {
    const stripeKey = `rk_test_e2e_${randomBytes(6).toString("hex")}`;
    const brandCtx = await stack.newContext();
    const brand = await brandCtx.newPage();
    await signUpBrand(brand, "Podcast Pro", "owner@podcastpro.test");
    await connectStripe(brand, stripeKey);
    await screenshot(brand, "10-settings-stripe");

    // Webhook endpoint pointing at the local receiver; the secret is shown once.
    await brand.goto("/app/settings/webhooks");
    await hydrated(brand);
    await brand.getByLabel("Endpoint URL").fill(receiver.url);
    for (const type of ["conversion.created", "conversion.refunded"]) {
      await brand.locator(`input[name="eventTypes"][value="${type}"]`).check();
    }
    await brand.getByRole("button", { name: "Add endpoint" }).click();
    const secret = await brand.locator("input[value^='whsec_']").first().inputValue();
    expect(secret).toMatch(/^whsec_/);

    const joinUrl = await createCampaign(brand, "Podcast Partners", receiver.landingUrl);

    // Campaign → Coupons: a 20%-off coupon that allows self-service codes.
    await brand.getByRole("link", { name: "Coupons" }).click();
    await hydrated(brand);
    const couponForm = brand
      .locator("form")
      .filter({ has: brand.getByRole("button", { name: "Create coupon" }) });
    await couponForm.getByLabel("Name").fill("Listener 20");
    await couponForm.getByLabel("Percent off (%)").fill("20");
    await couponForm.getByLabel("Allow affiliate self-service codes").check();
    await couponForm.getByRole("button", { name: "Create coupon" }).click();
    await brand.getByText("Listener 20").first().waitFor();
    await expectAccessible(brand);
    await screenshot(brand, "11-campaign-coupons");

    // The affiliate joins (auto-approved) and mints a vanity code.
    const affCtx = await stack.newContext();
    await affCtx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.baseUrl });
    const aff = await affCtx.newPage();
    await joinAsAffiliate(aff, joinUrl, "Pat Podcaster", "pat@podcasts.test");
    await aff
      .getByRole("link", { name: /Coupon codes and details/ })
      .first()
      .click();
    await aff.waitForURL(/\/a\/campaigns\//);
    await hydrated(aff);
    const codeForm = aff
      .locator("form")
      .filter({ has: aff.getByRole("button", { name: "Create code" }) });
    await codeForm.getByLabel("Code", { exact: true }).fill("patvip");
    await codeForm.getByRole("button", { name: "Create code" }).click();
    await aff.getByText("PATVIP").first().waitFor();
    await aff.getByRole("button", { name: "Copy code PATVIP" }).click();
    await aff.getByText("Copied").first().waitFor();
    expect(await aff.evaluate(() => navigator.clipboard.readText())).toBe("PATVIP");
    await expectAccessible(aff);
    await screenshot(aff, "12-affiliate-codes");

    // A customer types the code at Checkout: $100.00 − 20% = $80.00, commission 20% = $16.00.
    const checkout = await stack.emulator.checkout({
      api_key: stripeKey,
      mode: "subscription",
      amount: 10000,
      currency: "usd",
      promotion_code: "PATVIP",
      customer_email: "listener@example.com",
    });
    expect(checkout.amount_total).toBe(8000);

    await waitForRow(brand, "/app/conversions", "Coupon · PATVIP");
    const row = brand.locator("tbody tr", { hasText: "Coupon · PATVIP" });
    await expect(row.textContent()).resolves.toMatch(/\$80\.00[\s\S]*\$16\.00/);
    await expectAccessible(brand);
    await screenshot(brand, "13-brand-conversions");

    // The affiliate detail page (brand side) with its per-code results.
    await brand.goto("/app/affiliates");
    await brand.getByRole("link", { name: "Pat Podcaster" }).first().click();
    await brand.waitForURL(/\/app\/affiliates\/[0-9a-f-]{36}/);
    await expectAccessible(brand);
    await screenshot(brand, "13b-affiliate-detail");

    await waitForRow(aff, "/a/conversions", "$16.00");
    await screenshot(aff, "14-affiliate-conversions");

    // Refund in full → refunded.
    await stack.emulator.refund({ api_key: stripeKey, payment_intent: checkout.payment_intent });
    await waitForRow(brand, "/app/conversions", /Refunded/i);
    await screenshot(brand, "15-brand-refunded");

    // CSV export contains the row.
    const csv = await brandCtx.request.get("/app/conversions/export.csv");
    expect(csv.status()).toBe(200);
    const text = await csv.text();
    expect(text.split("\n")[0]).toContain("attribution_method");
    expect(text).toMatch(/coupon,PATVIP|PATVIP/);
    expect(text).toContain("80.00");

    // The receiver got conversion.created then conversion.refunded, signed.
    const start = Date.now();
    while (receiver.received.filter((r) => r.type.startsWith("conversion.")).length < 2) {
      if (Date.now() - start > 30_000)
        throw new Error(`webhooks: ${JSON.stringify(receiver.received.map((r) => r.type))}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const verified = receiver.verify(secret);
    expect(verified.map((v) => v.type).sort()).toEqual([
      "conversion.created",
      "conversion.refunded",
    ]);
    expect(verified.every((v) => v.id.startsWith("msg_"))).toBe(true);

    // No page of either portal scrolls sideways at 390, 768, 1280 or 1366 px.
    const brandPages = await crawl(brand, "/app", "/app");
    const affiliatePages = await crawl(aff, "/a", "/a");
    expect(brandPages.length).toBeGreaterThan(15);
    expect(affiliatePages.length).toBeGreaterThan(3);
    const publicPages = ["/login", "/signup", "/forgot-password", new URL(joinUrl).pathname];
    const anon = await (await stack.newContext()).newPage();
    expect([
      ...(await sideScrolls(brand, brandPages)),
      ...(await sideScrolls(aff, affiliatePages)),
      ...(await sideScrolls(anon, publicPages)),
    ]).toEqual([]);

    // Set up tracking: the brand's own snippet, and "Test your setup" shows the Stripe events.
    expect(brandPages).toContain("/app/setup");
    await brand.goto("/app/setup");
    await hydrated(brand);
    await expect(brand.locator("pre").first().textContent()).resolves.toBe(
      `<script src="${stack.baseUrl}/rekomi.js" data-rekomi data-cookie-days="30" async></script>`,
    );
    await brand.getByRole("button", { name: "Test your setup" }).click();
    const stripeStatus = brand.locator(".setup-status > div", { hasText: "Last Stripe event" });
    await expect(stripeStatus.textContent()).resolves.toMatch(/UTC\s*(charge|invoice|checkout)\./);
    await expectAccessible(brand);
    await screenshot(brand, "16a-setup-tracking");

    // At 390 px the navigation is a drawer behind the Menu button.
    await brand.setViewportSize({ width: 390, height: 844 });
    await brand.goto("/app/conversions");
    await hydrated(brand);
    const mainNav = brand.getByRole("navigation", { name: "Main" });
    expect(await mainNav.isVisible()).toBe(false);
    await screenshot(brand, "17-conversions-390");
    const menu = brand.locator("button.menu-button");
    expect(await menu.textContent()).toBe("Menu");
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    await menu.click();
    await mainNav.waitFor();
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    await expectAccessible(brand);
    await screenshot(brand, "18-drawer-390");
    await mainNav.getByRole("link", { name: "Affiliates" }).click();
    await brand.waitForURL("**/app/affiliates");
    await mainNav.waitFor({ state: "hidden" });
    await menu.click();
    await mainNav.waitFor();
    await brand.keyboard.press("Escape");
    await mainNav.waitFor({ state: "hidden" });
    await brand.setViewportSize({ width: 1366, height: 768 });
    await brand.goto("/app/conversions");
    await screenshot(brand, "19-conversions-1366");
    await aff.setViewportSize({ width: 390, height: 844 });
    await aff.goto("/a");
    await screenshot(aff, "20-affiliate-home-390");
    await aff.setViewportSize({ width: 1280, height: 800 });

    // Deleting the code asks first, in an accessible dialog: Cancel (or Escape) keeps it.
    await brand.goto("/app/affiliates");
    await brand.getByRole("link", { name: "Pat Podcaster" }).first().click();
    await brand.getByRole("link", { name: "Coupons" }).click();
    await brand.waitForURL(/\/coupons$/);
    await hydrated(brand);
    const codeRow = () => brand.locator("tbody tr", { hasText: "PATVIP" });
    await codeRow().getByRole("button", { name: "Delete PATVIP" }).click();
    const dialog = brand.getByRole("dialog", { name: "Delete PATVIP?" });
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain("deactivated in Stripe");
    expect(await brand.evaluate(() => document.activeElement?.textContent)).toBe("Cancel");
    await expectAccessible(brand);
    await screenshot(brand, "16-confirm-delete-code");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    await codeRow().getByRole("button", { name: "Delete PATVIP" }).click();
    await dialog.waitFor();
    await brand.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    await brand.reload();
    expect(await codeRow().count()).toBe(1);
    // Confirm deletes it: the code leaves the list and its Stripe promotion code is deactivated.
    await hydrated(brand);
    await codeRow().getByRole("button", { name: "Delete PATVIP" }).click();
    await dialog.getByRole("button", { name: "Delete PATVIP" }).click();
    await brand.getByText("PATVIP was deleted.").waitFor();
    const stripe = new Stripe(stripeKey, { ...stack.emulator.stripeOptions });
    const started = Date.now();
    let active = true;
    while (active && Date.now() - started < 15_000) {
      const { data } = await stripe.promotionCodes.list({ code: "PATVIP" });
      active = data[0]?.active ?? true;
      if (active) await new Promise((r) => setTimeout(r, 250));
    }
    expect(active).toBe(false);

    await brandCtx.close();
    await affCtx.close();
  }, 400_000);

  it("link: a referral link click followed by Checkout is credited with source Link", async () => {
    const stripeKey = `rk_test_e2e_${randomBytes(6).toString("hex")}`;
    const brandCtx = await stack.newContext();
    const brand = await brandCtx.newPage();
    await signUpBrand(brand, "Linkly", "owner@linkly.test");
    await connectStripe(brand, stripeKey);
    const joinUrl = await createCampaign(brand, "Linkly Creators", receiver.landingUrl);

    const affCtx = await stack.newContext();
    const aff = await affCtx.newPage();
    await joinAsAffiliate(aff, joinUrl, "Lee Linker", "lee@creators.test");
    const link = await aff.locator("input[value*='/r/']").first().inputValue();

    // A visitor follows the link and lands on the brand's page with rk_ref.
    const visitorCtx = await stack.newContext();
    const visitor = await visitorCtx.newPage();
    await visitor.goto(link);
    await visitor.waitForURL(/rk_ref=/);
    const clickId = new URL(visitor.url()).searchParams.get("rk_ref");
    expect(clickId).toMatch(/^[0-9a-f-]{36}$/);
    await screenshot(visitor, "20-landing");

    await stack.emulator.checkout({
      api_key: stripeKey,
      mode: "payment",
      amount: 5000,
      currency: "usd",
      client_reference_id: clickId!,
    });
    await waitForRow(brand, "/app/conversions", "Lee Linker");
    const row = brand.locator("tbody tr", { hasText: "Lee Linker" });
    await expect(row.textContent()).resolves.toMatch(/Link/);
    await expect(row.textContent()).resolves.toMatch(/\$50\.00[\s\S]*\$10\.00/);
    await screenshot(brand, "21-brand-conversions-link");

    await brandCtx.close();
    await affCtx.close();
    await visitorCtx.close();
  }, 120_000);
});
