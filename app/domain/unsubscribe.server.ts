/**
 * The unsubscribe link of a notification email (pure): an HMAC of user + kind, so the link needs
 * no stored token and cannot be forged for someone else.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { isNotificationKind, type NotificationKind } from "./notifications";

function signature(secret: string, userId: string, kind: NotificationKind): string {
  return createHmac("sha256", secret).update(`unsubscribe:${userId}:${kind}`).digest("base64url");
}

export function unsubscribeUrl(
  appUrl: string,
  secret: string,
  userId: string,
  kind: NotificationKind,
): string {
  const q = new URLSearchParams({ u: userId, k: kind, s: signature(secret, userId, kind) });
  return `${appUrl}/unsubscribe?${q.toString()}`;
}

/** The user and kind of a genuine unsubscribe link, or null. */
export function readUnsubscribe(
  secret: string,
  params: URLSearchParams,
): { userId: string; kind: NotificationKind } | null {
  const userId = params.get("u") ?? "";
  const kind = params.get("k");
  const sig = params.get("s") ?? "";
  if (!/^[0-9a-f-]{36}$/.test(userId) || !isNotificationKind(kind)) return null;
  const expected = Buffer.from(signature(secret, userId, kind));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return { userId, kind };
}
