/**
 * Issue 15: NUL in any form field is a 400 naming the field (was a 500 from PostgreSQL on
 * /signup, /join and the brand forms), written nowhere; forms read at most 64 KB.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as campaignsNew from "../../app/routes/app.campaigns.new";
import * as join from "../../app/routes/join.$slug";
import * as signup from "../../app/routes/signup";
import { createCampaign } from "../../app/services/campaigns/campaigns.server";
import { postForm } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { brandWithOwner, run } from "./fixtures";

let t: TestDatabase;
let owner: Awaited<ReturnType<typeof brandWithOwner>>;
let slug: string;

beforeAll(async () => {
  t = await createTestDatabase();
  owner = await brandWithOwner(t.db, "Hostile Forms");
  const campaign = await createCampaign(t.db, owner.brandId, {
    name: "Partners",
    destinationUrl: "https://brand.example.com",
    commission: { type: "percent", bps: 2000 },
    recurringMonths: 12,
    subAffiliateOverrideBps: 0,
    cookieWindowDays: 30,
    autoApprove: true,
  });
  slug = campaign.slug;
});
afterAll(async () => {
  await t?.drop();
});

async function rowCount(): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select (select count(*) from users) + (select count(*) from brands) + (select count(*) from affiliates)
         + (select count(*) from campaigns) as n`.execute(t.db);
  return Number(rows[0].n);
}

async function expect400(
  outcome: Promise<{ status: number; response: Response | null }>,
  field: string,
) {
  const o = await outcome;
  expect(o.status).toBe(400);
  expect(await o.response!.text()).toBe(
    `The field “${field}” contains a NUL character (U+0000), which is not allowed in text. Remove it and try again.`,
  );
}

describe("NUL in form fields", () => {
  it("anonymous /signup -> 400 naming the field, nothing written", async () => {
    const before = await rowCount();
    await expect400(
      run(
        signup.action,
        t.db,
        postForm("/signup", {
          brandName: "Evil\u0000Corp",
          name: "Eve",
          email: "eve@example.com",
          password: "correct-horse-battery",
          confirmPassword: "correct-horse-battery",
        }),
      ),
      "brandName",
    );
    expect(await rowCount()).toBe(before);
  });

  it("anonymous /join -> 400 naming the field, nothing written", async () => {
    const before = await rowCount();
    await expect400(
      run(
        join.action,
        t.db,
        postForm(`/join/${slug}`, {
          name: "Mal\u0000lory",
          email: "mallory@example.com",
          password: "correct-horse-battery",
        }),
        { slug },
      ),
      "name",
    );
    expect(await rowCount()).toBe(before);
  });

  it("a brand form -> 400 naming the field, nothing written", async () => {
    const before = await rowCount();
    await expect400(
      run(
        campaignsNew.action,
        t.db,
        postForm(
          "/app/campaigns/new",
          {
            name: "Part\u0000ners",
            destinationUrl: "https://brand.example.com",
            commissionType: "percent",
            commissionPercent: "20",
          },
          owner.jar,
        ),
      ),
      "name",
    );
    expect(await rowCount()).toBe(before);
  });

  it("a form body over 64 KB -> 413 (read no further)", async () => {
    const o = await run(
      signup.action,
      t.db,
      postForm("/signup", { brandName: "x".repeat(70 * 1024) }),
    );
    expect(o.status).toBe(413);
  });
});
