/**
 * A real SMTP server for tests (the `smtp-server` package, on 127.0.0.1, random port) that keeps
 * every message it receives, parsed with mailparser; and `deliverOutbox`, which runs the real
 * `email__send` task (nodemailer over SMTP) for every unsent outbox row, as the worker would.
 */
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { mailParts } from "../../app/mail/dev-mailbox.server";
import type { Config } from "../../app/config.server";
import type { DB } from "../../app/db/db.server";
import { SEND_EMAIL_TASK } from "../../app/services/notifications/outbox.server";
import { emailTasks } from "../../jobs/tasks/email";

export interface CaughtMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  /** Every http(s) link of the text part. */
  links: string[];
}

export interface TestSmtp {
  url: string;
  port: number;
  messages: CaughtMail[];
  /** Messages to this address, oldest first. */
  to(address: string): CaughtMail[];
  close(): Promise<void>;
}

function caught(mail: ParsedMail): CaughtMail {
  const parts = mailParts(mail);
  return { ...parts, html: parts.html ?? "" };
}

export async function startTestSmtp(port = 0): Promise<TestSmtp> {
  const messages: CaughtMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          messages.push(caught(mail));
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  const actual = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${actual}`,
    port: actual,
    messages,
    to: (address) => messages.filter((m) => m.to.includes(address)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Run the real send task for every unsent outbox row; returns how many were sent. */
export async function deliverOutbox(db: DB, config: Config): Promise<number> {
  const task = emailTasks({ db, config })[SEND_EMAIL_TASK]!;
  const rows = await db
    .selectFrom("email_outbox")
    .select("id")
    .where("sent_at", "is", null)
    .orderBy("created_at")
    .execute();
  const helpers = { logger: { error: () => {} } } as unknown as Parameters<typeof task>[1];
  for (const row of rows) await task({ outboxId: row.id }, helpers);
  return rows.length;
}

/** The path (with query) of the first link in the mail that goes to this app path prefix. */
export function linkPath(mail: CaughtMail, prefix: string): string {
  const link = mail.links.find((l) => new URL(l).pathname.startsWith(prefix));
  if (!link) throw new Error(`no ${prefix} link in "${mail.subject}": ${mail.links.join(" ")}`);
  const url = new URL(link);
  return url.pathname + url.search;
}

/** Run the real `notifications__send` task for every such job queued so far (each once). */
export async function runNotificationJobs(db: DB, config: Config, done = new Set<string>()) {
  const { notificationTasks } = await import("../../jobs/tasks/notifications");
  const { NOTIFY_TASK } =
    await import("../../app/services/notifications/notification-events.server");
  const task = notificationTasks({ db, config })[NOTIFY_TASK]!;
  const { rows: jobs } = await sql<{ id: string; payload: unknown }>`
    select j.id::text as id, j.payload from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = ${NOTIFY_TASK} order by j.id`.execute(db);
  const helpers = { logger: { error: () => {} } } as unknown as Parameters<typeof task>[1];
  for (const job of jobs) {
    if (done.has(String(job.id))) continue;
    done.add(String(job.id));
    await task(job.payload, helpers);
  }
  return done;
}
