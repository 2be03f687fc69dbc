import nodemailer, { type Transporter } from "nodemailer";

/** One nodemailer SMTP transport per SMTP_URL (pooled connections are reused across sends). */
const transports = new Map<string, Transporter>();

export class MailNotConfiguredError extends Error {
  constructor() {
    super("SMTP_URL is not set: the email stays in the outbox and is retried");
    this.name = "MailNotConfiguredError";
  }
}

export function smtpTransport(smtpUrl: string | undefined): Transporter {
  if (!smtpUrl) throw new MailNotConfiguredError();
  let transport = transports.get(smtpUrl);
  if (!transport) {
    const url = new URL(smtpUrl);
    url.searchParams.set("connectionTimeout", "10000");
    url.searchParams.set("greetingTimeout", "10000");
    url.searchParams.set("socketTimeout", "30000");
    transport = nodemailer.createTransport(url.toString());
    transports.set(smtpUrl, transport);
  }
  return transport;
}
