/**
 * The one email layout (pure): a heading, a few paragraphs, ONE call to action, and an optional
 * footer (with the unsubscribe link for notifications). Plain text plus simple, escaped HTML.
 */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export interface EmailParts {
  subject: string;
  heading: string;
  paragraphs: string[];
  action: { label: string; url: string };
  /** Small print under the action (e.g. "This link expires in 1 hour."). */
  note?: string;
  unsubscribeUrl?: string;
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export function renderEmail(parts: EmailParts): EmailContent {
  const footer = parts.unsubscribeUrl
    ? `You get this email because of your Rekomi notification settings. Unsubscribe: ${parts.unsubscribeUrl}`
    : "You get this email because of an action on your Rekomi account. If it was not you, you can ignore it.";
  const text = [
    parts.heading,
    "",
    ...parts.paragraphs.flatMap((p) => [p, ""]),
    `${parts.action.label}: ${parts.action.url}`,
    ...(parts.note ? ["", parts.note] : []),
    "",
    "-- ",
    footer,
    "",
  ].join("\n");
  const e = escapeHtml;
  const html = `<!doctype html>
<html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1f2933;max-width:560px;margin:0 auto;padding:24px">
<h1 style="font-size:20px">${e(parts.heading)}</h1>
${parts.paragraphs.map((p) => `<p>${e(p)}</p>`).join("\n")}
<p style="margin:28px 0"><a href="${e(parts.action.url)}" style="background:#3b5bdb;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none;display:inline-block">${e(parts.action.label)}</a></p>
<p style="font-size:13px;color:#52606d">Or open this address: ${e(parts.action.url)}</p>
${parts.note ? `<p style="font-size:13px;color:#52606d">${e(parts.note)}</p>` : ""}
<hr style="border:none;border-top:1px solid #e4e7eb;margin:24px 0">
<p style="font-size:12px;color:#7b8794">${
    parts.unsubscribeUrl
      ? `You get this email because of your Rekomi notification settings. <a href="${e(parts.unsubscribeUrl)}">Unsubscribe</a>`
      : e(footer)
  }</p>
</body></html>
`;
  return { subject: parts.subject, text, html };
}
