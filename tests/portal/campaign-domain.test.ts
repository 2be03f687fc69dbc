import { describe, expect, it } from "vitest";
import {
  availableActions,
  canTransition,
  isAffiliateAction,
  statusOnJoin,
} from "../../app/domain/affiliate";
import {
  campaignColumns,
  campaignFormValues,
  describeCommission,
  isValidSlug,
  joinUrl,
  parseCampaignForm,
  referralUrl,
  slugCandidate,
  slugify,
  type CommissionTerms,
} from "../../app/domain/campaign";
import { encodeReadableCode, isReadableCode, READABLE_ALPHABET } from "../../app/domain/codes";

const validForm = {
  name: "Acme Partners",
  destination_url: "https://acme.example.com",
  commission_type: "percent",
  commission_percent: "20",
  commission_amount: "",
  commission_currency: "usd",
  recurring_months: "12",
  sub_affiliate_override_percent: "10",
  cookie_window_days: "30",
  auto_approve: "on",
};

function terms(over: Partial<CommissionTerms>): CommissionTerms {
  return {
    commission_type: "percent",
    commission_percent_bps: 2000,
    commission_amount: null,
    commission_currency: null,
    recurring_months: 12,
    ...over,
  };
}

describe("describeCommission", () => {
  it.each([
    [terms({}), "20% recurring for 12 months"],
    [terms({ recurring_months: 1 }), "20% recurring for 1 month"],
    [terms({ recurring_months: null }), "20% recurring forever"],
    [terms({ recurring_months: 0, commission_percent_bps: 1250 }), "12.5%, first payment only"],
    [
      terms({
        commission_type: "flat",
        commission_percent_bps: null,
        commission_amount: 5000,
        commission_currency: "usd",
        recurring_months: 0,
      }),
      "$50.00 flat, first payment only",
    ],
    [
      terms({
        commission_type: "flat",
        commission_percent_bps: null,
        commission_amount: 5000,
        commission_currency: "usd",
        recurring_months: 6,
      }),
      "$50.00 flat per payment for 6 months",
    ],
    [
      terms({
        commission_type: "flat",
        commission_percent_bps: null,
        commission_amount: 1000,
        commission_currency: "jpy",
        recurring_months: null,
      }),
      "¥1,000 flat per payment, forever",
    ],
  ])("%# -> %s", (t, text) => {
    expect(describeCommission(t)).toBe(text);
  });
});

describe("parseCampaignForm", () => {
  it("parses a valid percent campaign", () => {
    const r = parseCampaignForm(validForm);
    expect(r).toEqual({
      ok: true,
      input: {
        name: "Acme Partners",
        destinationUrl: "https://acme.example.com",
        commission: { type: "percent", bps: 2000 },
        recurringMonths: 12,
        subAffiliateOverrideBps: 1000,
        cookieWindowDays: 30,
        autoApprove: true,
        // Not in the form: recruits wait for approval by default (issue 15).
        autoApproveRecruits: false,
      },
    });
  });

  it("parses a flat campaign; blank months = forever, 0 = first payment only; defaults", () => {
    const r = parseCampaignForm({
      ...validForm,
      commission_type: "flat",
      commission_percent: "garbage is ignored for flat",
      commission_amount: "49.99",
      commission_currency: "eur",
      recurring_months: "",
      sub_affiliate_override_percent: "",
      cookie_window_days: "",
      auto_approve: "",
    });
    expect(r.ok && r.input).toMatchObject({
      commission: { type: "flat", amount: 4999, currency: "eur" },
      recurringMonths: null,
      subAffiliateOverrideBps: 0,
      cookieWindowDays: 30,
      autoApprove: false,
    });
    const first = parseCampaignForm({ ...validForm, recurring_months: "0" });
    expect(first.ok && first.input.recurringMonths).toBe(0);
  });

  it("reports every bad field at once, keyed by form field name", () => {
    const r = parseCampaignForm({
      name: "  ",
      destination_url: "javascript:alert(1)",
      commission_type: "percent",
      commission_percent: "0",
      recurring_months: "-1",
      sub_affiliate_override_percent: "101",
      cookie_window_days: "400",
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.fieldErrors).sort()).toEqual(
      [
        "commission_percent",
        "cookie_window_days",
        "destination_url",
        "name",
        "recurring_months",
        "sub_affiliate_override_percent",
      ].sort(),
    );
    expect(r.fieldErrors.destination_url).toMatch(/http/);
    expect(r.fieldErrors.commission_percent).toBe("Enter a percentage between 0.01 and 100.");
    expect(r.values.name).toBe("  ");
  });

  it.each([
    [{ commission_type: "" }, "commission_type"],
    [{ commission_type: "bogus" }, "commission_type"],
    [{ commission_percent: "" }, "commission_percent"],
    [{ commission_percent: "100.01" }, "commission_percent"],
    [{ commission_percent: "12.345" }, "commission_percent"],
    [{ commission_type: "flat", commission_amount: "" }, "commission_amount"],
    [{ commission_type: "flat", commission_amount: "0" }, "commission_amount"],
    [
      { commission_type: "flat", commission_amount: "1.5", commission_currency: "jpy" },
      "commission_amount",
    ],
    [
      { commission_type: "flat", commission_amount: "10", commission_currency: "xyz" },
      "commission_currency",
    ],
    [{ destination_url: "ftp://example.com" }, "destination_url"],
    [{ destination_url: "example" }, "destination_url"],
    [{ destination_url: "not a url.com" }, "destination_url"],
    [{ destination_url: "" }, "destination_url"],
    [{ name: "x".repeat(101) }, "name"],
    [{ recurring_months: "1.5" }, "recurring_months"],
    [{ recurring_months: "121" }, "recurring_months"],
    [{ cookie_window_days: "0" }, "cookie_window_days"],
    [{ cookie_window_days: "abc" }, "cookie_window_days"],
    [{ sub_affiliate_override_percent: "-1" }, "sub_affiliate_override_percent"],
  ])("%j is an error on %s", (over, field) => {
    const r = parseCampaignForm({ ...validForm, ...over });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(Object.keys(r.fieldErrors)).toEqual([field]);
  });

  it("accepts the boundaries", () => {
    for (const over of [
      { commission_percent: "0.01" },
      { commission_percent: "100" },
      { sub_affiliate_override_percent: "0" },
      { sub_affiliate_override_percent: "100" },
      { cookie_window_days: "1" },
      { cookie_window_days: "365" },
      { destination_url: "http://localhost:8080/landing?ref=x" },
    ]) {
      expect(parseCampaignForm({ ...validForm, ...over }).ok).toBe(true);
    }
  });

  it("adds https:// to a bare host name typed in the form (issue 19)", () => {
    for (const [typed, stored] of [
      ["nimbus.test", "https://nimbus.test"],
      ["  www.nimbus.test/pricing?plan=pro ", "https://www.nimbus.test/pricing?plan=pro"],
      ["nimbus.test:8443/landing", "https://nimbus.test:8443/landing"],
      ["http://nimbus.test", "http://nimbus.test"],
    ]) {
      const parsed = parseCampaignForm({ ...validForm, destination_url: typed });
      if (!parsed.ok) throw new Error(`expected ${typed} to be accepted`);
      expect(new URL(parsed.input.destinationUrl).href).toBe(new URL(stored).href);
    }
  });

  it("round-trips a stored campaign through the edit form", () => {
    const parsed = parseCampaignForm({
      ...validForm,
      commission_type: "flat",
      commission_amount: "1.234",
      commission_currency: "kwd",
    });
    if (!parsed.ok) throw new Error("expected valid");
    const row = campaignColumns(parsed.input);
    expect(row).toMatchObject({
      commission_type: "flat",
      commission_amount: 1234,
      commission_currency: "kwd",
      commission_percent_bps: null,
    });
    const again = parseCampaignForm(campaignFormValues(row));
    expect(again).toEqual(parsed);
  });
});

describe("slugs and links", () => {
  it.each([
    ["Acme Partners", "acme-partners"],
    ["  Crème Brûlée Club! ", "creme-brulee-club"],
    ["2025 / Q1 -- promo", "2025-q1-promo"],
    ["!!!", "campaign"],
    ["日本語", "campaign"],
    ["a".repeat(80), "a".repeat(48)],
  ])("slugify(%j) -> %s", (name, slug) => {
    expect(slugify(name)).toBe(slug);
    expect(isValidSlug(slug)).toBe(true);
  });

  it("numbers candidates and stays within the length limit", () => {
    expect(slugCandidate("acme", 1)).toBe("acme");
    expect(slugCandidate("acme", 2)).toBe("acme-2");
    expect(slugCandidate("a".repeat(48), 12)).toBe("a".repeat(45) + "-12");
  });

  it("validates slugs", () => {
    for (const bad of ["", "-a", "a-", "a--b", "A", "a b", "../x", "a_b"])
      expect(isValidSlug(bad)).toBe(false);
  });

  it("builds join and referral URLs", () => {
    expect(joinUrl("https://rekomi.example.com/", "acme")).toBe(
      "https://rekomi.example.com/join/acme",
    );
    expect(referralUrl("http://localhost:3000", "ab12cd34")).toBe(
      "http://localhost:3000/r/ab12cd34",
    );
  });
});

describe("readable codes", () => {
  it("encodes one character per byte from a 32-letter alphabet without i, l, o, u", () => {
    expect(READABLE_ALPHABET).toHaveLength(32);
    expect(READABLE_ALPHABET).not.toMatch(/[ilou]/);
    expect(encodeReadableCode(new Uint8Array([0, 1, 31, 32, 255, 10, 20, 30]))).toBe("01z0zamy");
    expect(isReadableCode("01z0zamy")).toBe(true);
    expect(isReadableCode("0123456i")).toBe(false);
    expect(isReadableCode("short")).toBe(false);
  });
});

describe("affiliate status rules", () => {
  it("lists the actions allowed per status", () => {
    expect(availableActions("pending")).toEqual(["approve", "reject"]);
    expect(availableActions("approved")).toEqual(["suspend"]);
    expect(availableActions("rejected")).toEqual(["approve"]);
    expect(availableActions("suspended")).toEqual(["reinstate"]);
  });

  it("checks transitions", () => {
    expect(canTransition("pending", "approved")).toBe(true);
    expect(canTransition("pending", "rejected")).toBe(true);
    expect(canTransition("approved", "approved")).toBe(true);
    expect(canTransition("approved", "rejected")).toBe(false);
    expect(canTransition("rejected", "suspended")).toBe(false);
    expect(canTransition("suspended", "approved")).toBe(true);
    expect(canTransition("pending", "suspended")).toBe(false);
  });

  it("decides the status on join", () => {
    expect(statusOnJoin(undefined, false)).toBe("pending");
    expect(statusOnJoin(undefined, true)).toBe("approved");
    expect(statusOnJoin("pending", true)).toBe("approved");
    expect(statusOnJoin("pending", false)).toBe("pending");
    expect(statusOnJoin("rejected", true)).toBe("rejected");
    expect(statusOnJoin("suspended", true)).toBe("suspended");
    expect(statusOnJoin("approved", false)).toBe("approved");
  });

  it("recognises action names", () => {
    expect(isAffiliateAction("approve")).toBe(true);
    expect(isAffiliateAction("delete")).toBe(false);
    expect(isAffiliateAction("toString")).toBe(false);
    expect(isAffiliateAction(null)).toBe(false);
  });
});
