/**
 * Development only: a real SMTP server in-process (the `smtp-server` package) that keeps every
 * message it receives as an .eml file under DATA_DIR/dev-mail, and the reader behind `/dev/mail`.
 * Files (not memory) so that the mailbox survives rebuilds and restarts of `npm run dev`.
 * Never started when NODE_ENV=production.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface DevSmtp {
  url: string;
  close(): Promise<void>;
}

function mailDir(dataDir: string): string {
  return path.join(dataDir, "dev-mail");
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

export async function startDevSmtp(opts: { dataDir: string; port?: number }): Promise<DevSmtp> {
  const dir = mailDir(opts.dataDir);
  mkdirSync(dir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      readStream(stream)
        .then((raw) => {
          const id = `${Date.now().toString().padStart(15, "0")}-${randomBytes(4).toString("hex")}`;
          return writeFile(path.join(dir, `${id}.eml`), raw);
        })
        .then(
          () => callback(),
          (error: Error) => callback(error),
        );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface DevMailSummary {
  id: string;
  to: string;
  subject: string;
  date: string;
}

export interface DevMail extends DevMailSummary {
  from: string;
  text: string;
  html: string | null;
  links: string[];
}

const ID = /^\d{15}-[0-9a-f]{8}$/;

/** The parts of a parsed message that the mailbox shows (also used by the tests' SMTP server). */
export function mailParts(mail: ParsedMail) {
  const text = mail.text ?? "";
  return {
    to: mail.to
      ? [mail.to]
          .flat()
          .map((a) => a.text)
          .join(", ")
      : "",
    from: mail.from?.text ?? "",
    subject: mail.subject ?? "(no subject)",
    text,
    html: typeof mail.html === "string" ? mail.html : null,
    /** Every http(s) link of the text part, once each. */
    links: [...new Set(text.match(/https?:\/\/[^\s<>"]+/g) ?? [])],
  };
}

async function parse(dir: string, id: string): Promise<DevMail> {
  const mail = await simpleParser(await readFile(path.join(dir, `${id}.eml`)));
  return {
    id,
    ...mailParts(mail),
    date: (mail.date ?? new Date(Number(id.slice(0, 15)))).toISOString(),
  };
}

/** Newest first; at most `limit` messages. */
export async function listDevMail(dataDir: string, limit = 200): Promise<DevMailSummary[]> {
  const dir = mailDir(dataDir);
  const files = await readdir(dir).catch(() => [] as string[]);
  const ids = files
    .filter((f) => f.endsWith(".eml"))
    .map((f) => f.slice(0, -4))
    .filter((id) => ID.test(id))
    .sort()
    .reverse()
    .slice(0, limit);
  const mails = await Promise.all(ids.map((id) => parse(dir, id)));
  return mails.map(({ id, to, subject, date }) => ({ id, to, subject, date }));
}

export async function readDevMail(dataDir: string, id: string): Promise<DevMail | null> {
  if (!ID.test(id)) return null;
  return parse(mailDir(dataDir), id).catch(() => null);
}
