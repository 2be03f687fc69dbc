/**
 * The email outbox. `queueEmail` writes the message and its send job inside the caller's
 * transaction (the email exists exactly when the change that causes it commits); the
 * `email__send` job sends it over SMTP outside any transaction, and graphile-worker retries it
 * with backoff while the mail server is down. Bodies can hold single-use links, so they are
 * cleared once the message is sent.
 */
import type { Kysely } from "kysely";
import type { Transporter } from "nodemailer";
import { addJob } from "~/db/jobs.server";
import type { DB } from "~/db/db.server";
import type { Database } from "~/db/schema";
import type { EmailContent } from "~/mail/layout";
import { emailJobKey, SEND_EMAIL_TASK } from "~/db/job-registry";

export { SEND_EMAIL_TASK };

/** About 3 days of graphile-worker's exponential backoff. */
export const SEND_EMAIL_MAX_ATTEMPTS = 20;

export interface QueuedEmail extends EmailContent {
  kind: string;
  to: string;
  userId?: string | null;
  brandId?: string | null;
}

/** Write the message and its send job; pass the transaction of the change that causes it. */
export async function queueEmail(db: Kysely<Database>, email: QueuedEmail): Promise<string> {
  if (!db.isTransaction) return db.transaction().execute((trx) => queueEmail(trx, email));
  const row = await db
    .insertInto("email_outbox")
    .values({
      kind: email.kind,
      to_email: email.to,
      subject: email.subject,
      text_body: email.text,
      html_body: email.html,
      user_id: email.userId ?? null,
      brand_id: email.brandId ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await addJob(
    db,
    SEND_EMAIL_TASK,
    { outboxId: row.id },
    { jobKey: emailJobKey(row.id), maxAttempts: SEND_EMAIL_MAX_ATTEMPTS },
  );
  return row.id;
}

export interface MailDeps {
  transport: Transporter;
  from: string;
}

/**
 * Send one outbox message. Already sent (or unknown) -> nothing to do. A failure is recorded on
 * the row and rethrown so the job is retried; the row is never lost.
 */
export async function sendQueuedEmail(
  db: DB,
  deps: MailDeps,
  outboxId: string,
): Promise<"sent" | "skipped"> {
  const row = await db
    .updateTable("email_outbox")
    .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
    .where("id", "=", outboxId)
    .where("sent_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  if (!row) return "skipped";
  try {
    await deps.transport.sendMail({
      from: deps.from,
      to: row.to_email,
      subject: row.subject,
      text: row.text_body ?? "",
      html: row.html_body ?? undefined,
      messageId: `<${row.id}@rekomi.outbox>`,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await db
      .updateTable("email_outbox")
      .set({ last_error: message.slice(0, 1000) })
      .where("id", "=", row.id)
      .execute();
    throw error;
  }
  await db
    .updateTable("email_outbox")
    .set({ sent_at: new Date(), last_error: null, text_body: null, html_body: null })
    .where("id", "=", row.id)
    .execute();
  return "sent";
}
