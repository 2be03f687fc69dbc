import { mailWorld } from "../helpers/mail-world";
import { describe, expect, it } from "vitest";
import * as campaignsNew from "../../app/routes/app.campaigns.new";
import * as apiKeys from "../../app/routes/app.settings.api-keys";
import * as stripeSettings from "../../app/routes/app.settings.stripe/route";
import * as team from "../../app/routes/app.settings.team";
import * as invite from "../../app/routes/invite.$token";
import { CookieJar, getRequest, postForm } from "../helpers/context";
import { deliverOutbox, linkPath } from "../helpers/smtp";
import { bodyOf, call, locationOf, signUpBrand, statusOf, uniqueEmail } from "./helpers";

const w = mailWorld();
const { config, ctx } = w;

type TeamData = {
  members: { userId: string; email: string; role: string }[];
  invites: { email: string }[];
};

describe("Settings → Team", () => {
  it("an owner invites a member by email; the invitee accepts through the link; a member cannot touch API keys, Stripe or the team but can work; the last owner stays", async () => {
    const owner = await signUpBrand(w.db, { brandName: "Teamwork" });
    const memberEmail = uniqueEmail("member");
    const bad = await call(
      team.action,
      postForm("/app/settings/team", { intent: "invite", email: "nope", role: "admin" }, owner.jar),
      ctx(),
    );
    expect(statusOf(bad)).toBe(400);
    expect(Object.keys(bodyOf<{ fieldErrors: object }>(bad).fieldErrors).sort()).toEqual([
      "email",
      "role",
    ]);

    const sent = await call(
      team.action,
      postForm(
        "/app/settings/team",
        { intent: "invite", email: memberEmail, role: "member" },
        owner.jar,
      ),
      ctx(),
    );
    expect(bodyOf<{ message: string }>(sent).message).toBe(`Invitation sent to ${memberEmail}.`);
    const listed = bodyOf<TeamData>(
      await call(team.loader, getRequest("/app/settings/team", owner.jar), ctx()),
    );
    expect(listed.invites.map((i) => i.email)).toEqual([memberEmail]);

    await deliverOutbox(w.db, config());
    const mail = w.smtp.to(memberEmail)[0];
    expect(mail.subject).toBe("Join Teamwork on Rekomi");
    const path = linkPath(mail, "/invite/");
    const token = path.split("/").pop()!;
    const jar = new CookieJar();
    const accepted = await call(
      invite.action,
      postForm(path, { name: "Mia Member", password: "member-secret-pass-4" }, jar),
      ctx(),
      { token },
    );
    expect(statusOf(accepted)).toBe(302);
    expect(locationOf(accepted)).toBe("/app");
    jar.absorb(accepted as Response);

    // A member works (creates a campaign) but owner-only areas answer 403.
    const campaign = await call(
      campaignsNew.action,
      postForm(
        "/app/campaigns/new",
        {
          name: "Member Made",
          destination_url: "https://teamwork.example.com",
          commission_type: "percent",
          commission_percent: "20",
          commission_amount: "",
          commission_currency: "usd",
          recurring_months: "12",
          sub_affiliate_override_percent: "0",
          cookie_window_days: "30",
        },
        jar,
      ),
      ctx(),
    );
    expect(statusOf(campaign)).toBe(302);
    expect(
      statusOf(await call(apiKeys.loader, getRequest("/app/settings/api-keys", jar), ctx())),
    ).toBe(403);
    expect(
      statusOf(
        await call(
          apiKeys.action,
          postForm("/app/settings/api-keys", { intent: "create", name: "x" }, jar),
          ctx(),
        ),
      ),
    ).toBe(403);
    expect(
      statusOf(
        await call(
          stripeSettings.action,
          postForm("/app/settings/stripe", { intent: "connect", secret_key: "rk_test_1" }, jar),
          ctx(),
        ),
      ),
    ).toBe(403);
    expect(
      statusOf(
        await call(
          team.action,
          postForm(
            "/app/settings/team",
            { intent: "invite", email: uniqueEmail(), role: "owner" },
            jar,
          ),
          ctx(),
        ),
      ),
    ).toBe(403);

    const members = bodyOf<TeamData>(
      await call(team.loader, getRequest("/app/settings/team", owner.jar), ctx()),
    ).members;
    expect(members.map((m) => m.role)).toEqual(["owner", "member"]);
    const ownerId = members[0].userId;
    const last = await call(
      team.action,
      postForm("/app/settings/team", { intent: "remove", userId: ownerId }, owner.jar),
      ctx(),
    );
    expect(statusOf(last)).toBe(400);
    expect(bodyOf<{ error: string }>(last).error).toMatch(/at least one owner/);

    const removed = await call(
      team.action,
      postForm("/app/settings/team", { intent: "remove", userId: members[1].userId }, owner.jar),
      ctx(),
    );
    expect(statusOf(removed)).toBe(200);
    expect(
      statusOf(await call(team.loader, getRequest("/app/settings/team", jar), ctx())),
    ).not.toBe(200);
  });
});
