/**
 * Notification emails, queued in the transaction of the change that causes them, to users who
 * have not turned that kind off (Settings -> Account, or the unsubscribe link in each email).
 */
import type { Kysely } from "kysely";
import type { Config } from "~/config.server";
import type { DB } from "~/db/db.server";
import type { Database } from "~/db/schema";
import { kindsFor, type Audience, type NotificationKind } from "~/domain/notifications";
import { unsubscribeUrl } from "~/domain/unsubscribe.server";
import { renderEmail, type EmailParts } from "~/mail/layout";
import { queueEmail } from "./outbox.server";

type Deps = Pick<Config, "appUrl" | "sessionSecret">;
type Parts = Omit<EmailParts, "unsubscribeUrl">;

async function enabledRecipients(
  db: Kysely<Database>,
  userIds: string[],
  kind: NotificationKind,
): Promise<{ id: string; email: string }[]> {
  if (userIds.length === 0) return [];
  return db
    .selectFrom("users")
    .leftJoin("notification_preferences as p", (j) =>
      j.onRef("p.user_id", "=", "users.id").on("p.kind", "=", kind),
    )
    .select(["users.id", "users.email"])
    .where("users.id", "in", userIds)
    .where((eb) => eb.or([eb("p.enabled", "is", null), eb("p.enabled", "=", true)]))
    .execute();
}

export async function notifyUsers(
  db: Kysely<Database>,
  deps: Deps,
  input: { userIds: string[]; kind: NotificationKind; brandId?: string; parts: Parts },
): Promise<void> {
  for (const user of await enabledRecipients(db, input.userIds, input.kind)) {
    await queueEmail(db, {
      kind: input.kind,
      to: user.email,
      userId: user.id,
      brandId: input.brandId ?? null,
      ...renderEmail({
        ...input.parts,
        unsubscribeUrl: unsubscribeUrl(deps.appUrl, deps.sessionSecret, user.id, input.kind),
      }),
    });
  }
}

/** Every owner of the brand. */
export async function notifyBrandOwners(
  db: Kysely<Database>,
  deps: Deps,
  input: { brandId: string; kind: NotificationKind; parts: Parts },
): Promise<void> {
  const owners = await db
    .selectFrom("brand_members")
    .select("user_id")
    .where("brand_id", "=", input.brandId)
    .where("role", "=", "owner")
    .execute();
  await notifyUsers(db, deps, { ...input, userIds: owners.map((o) => o.user_id) });
}

/** The affiliate's person, once the affiliate row has one (claimed or self-joined). */
export async function notifyAffiliate(
  db: Kysely<Database>,
  deps: Deps,
  input: { affiliateId: string; kind: NotificationKind; parts: (brandName: string) => Parts },
): Promise<void> {
  const row = await db
    .selectFrom("affiliates")
    .innerJoin("brands", "brands.id", "affiliates.brand_id")
    .select(["affiliates.user_id", "affiliates.brand_id", "brands.name"])
    .where("affiliates.id", "=", input.affiliateId)
    .executeTakeFirst();
  if (!row?.user_id) return;
  await notifyUsers(db, deps, {
    userIds: [row.user_id],
    kind: input.kind,
    brandId: row.brand_id,
    parts: input.parts(row.name),
  });
}

export interface PreferenceRow {
  kind: NotificationKind;
  enabled: boolean;
}

export async function listPreferences(
  db: DB,
  userId: string,
  audience: Audience,
): Promise<PreferenceRow[]> {
  const rows = await db
    .selectFrom("notification_preferences")
    .select(["kind", "enabled"])
    .where("user_id", "=", userId)
    .execute();
  const saved = new Map(rows.map((r) => [r.kind, r.enabled]));
  return kindsFor(audience).map((kind) => ({ kind, enabled: saved.get(kind) ?? true }));
}

export async function setPreference(
  db: DB,
  input: { userId: string; kind: NotificationKind; enabled: boolean },
): Promise<void> {
  await db
    .insertInto("notification_preferences")
    .values({ user_id: input.userId, kind: input.kind, enabled: input.enabled })
    .onConflict((oc) =>
      oc
        .columns(["user_id", "kind"])
        .doUpdateSet({ enabled: input.enabled, updated_at: new Date() }),
    )
    .execute();
}
