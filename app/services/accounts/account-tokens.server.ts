/**
 * Single-use emailed links: issue (random 32 bytes, only the SHA-256 stored), look up while unused
 * and unexpired, and consume atomically (a second use finds nothing).
 */
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { AccountToken, Database, TokenPurpose } from "~/db/schema";
import { hashToken, isTokenShaped, tokenExpiresAt, tokenPath } from "~/domain/tokens";

export interface IssueTokenInput {
  purpose: TokenPurpose;
  email: string;
  userId?: string | null;
  brandId?: string | null;
  affiliateId?: string | null;
  role?: "owner" | "member" | null;
  invitedBy?: string | null;
  now?: Date;
}

/** Store a new token; returns the absolute link to email (the raw token is never stored). */
export async function issueToken(
  db: Kysely<Database>,
  appUrl: string,
  input: IssueTokenInput,
): Promise<{ id: string; url: string }> {
  const token = randomBytes(32).toString("base64url");
  const row = await db
    .insertInto("account_tokens")
    .values({
      purpose: input.purpose,
      token_hash: hashToken(token),
      email: input.email,
      user_id: input.userId ?? null,
      brand_id: input.brandId ?? null,
      affiliate_id: input.affiliateId ?? null,
      role: input.role ?? null,
      invited_by: input.invitedBy ?? null,
      expires_at: tokenExpiresAt(input.purpose, input.now ?? new Date()),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: row.id, url: `${appUrl}${tokenPath(input.purpose, token)}` };
}

/** The unused, unexpired token of one of these purposes, or undefined. */
export async function findUsableToken(
  db: Kysely<Database>,
  purposes: TokenPurpose[],
  token: unknown,
  now = new Date(),
): Promise<AccountToken | undefined> {
  if (!isTokenShaped(token)) return undefined;
  return db
    .selectFrom("account_tokens")
    .selectAll()
    .where("token_hash", "=", hashToken(token))
    .where("purpose", "in", purposes)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
}

/** Mark the token used; false when someone else used it first (single use under concurrency). */
export async function consumeToken(db: Kysely<Database>, id: string): Promise<boolean> {
  const row = await db
    .updateTable("account_tokens")
    .set({ used_at: new Date() })
    .where("id", "=", id)
    .where("used_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Retire the other unused tokens of a user for one purpose (e.g. older reset links). */
export async function retireTokens(
  db: Kysely<Database>,
  userId: string,
  purpose: TokenPurpose,
): Promise<void> {
  await db
    .updateTable("account_tokens")
    .set({ used_at: new Date() })
    .where("user_id", "=", userId)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .execute();
}
