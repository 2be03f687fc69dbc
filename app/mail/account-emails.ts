/** Account emails (pure): each one a subject, a short explanation and one link to act on. */
import { renderEmail, type EmailContent } from "./layout";

export function verifyEmail(v: { name: string; url: string }): EmailContent {
  return renderEmail({
    subject: "Confirm your email address for Rekomi",
    heading: `Welcome to Rekomi, ${v.name}`,
    paragraphs: ["Confirm that this is your email address to finish setting up your account."],
    action: { label: "Confirm my email", url: v.url },
    note: "This link works once and expires in 24 hours.",
  });
}

export function confirmNewEmail(v: { url: string; email: string }): EmailContent {
  return renderEmail({
    subject: "Confirm your new email address for Rekomi",
    heading: "Confirm your new email address",
    paragraphs: [`You asked to sign in to Rekomi with ${v.email} from now on.`],
    action: { label: "Use this email address", url: v.url },
    note: "This link works once and expires in 24 hours. Until then your old address stays in use.",
  });
}

/** Someone signed up or joined with an address that already has an account. */
export function alreadyRegistered(v: {
  what: string;
  signInUrl: string;
  resetUrl: string;
}): EmailContent {
  return renderEmail({
    subject: "You already have a Rekomi account",
    heading: "You already have a Rekomi account",
    paragraphs: [
      `Someone (probably you) tried to ${v.what} with this email address. It already has a Rekomi account, so nothing was changed.`,
      `Sign in to continue. Forgot your password? Reset it here: ${v.resetUrl}`,
    ],
    action: { label: "Sign in", url: v.signInUrl },
  });
}

export function resetPassword(v: { url: string }): EmailContent {
  return renderEmail({
    subject: "Reset your Rekomi password",
    heading: "Reset your password",
    paragraphs: ["Someone asked to reset the password of the Rekomi account with this email."],
    action: { label: "Choose a new password", url: v.url },
    note: "This link works once and expires in 1 hour. If you did not ask for it, ignore this email: your password stays as it is.",
  });
}

export function affiliateInvitation(v: {
  brandName: string;
  campaignName: string;
  url: string;
}): EmailContent {
  return renderEmail({
    subject: `${v.brandName} invited you to its affiliate program`,
    heading: `${v.brandName} invited you to ${v.campaignName}`,
    paragraphs: [
      `${v.brandName} added you as an affiliate on Rekomi. Accept the invitation to see your referral links, codes and earnings.`,
    ],
    action: { label: "Accept the invitation", url: v.url },
    note: "Sign in or create an account with this email address to accept. The link expires in 14 days.",
  });
}

export function teamInvitation(v: {
  brandName: string;
  inviterName: string;
  role: "owner" | "member";
  url: string;
}): EmailContent {
  return renderEmail({
    subject: `Join ${v.brandName} on Rekomi`,
    heading: `${v.inviterName} invited you to ${v.brandName}`,
    paragraphs: [
      `You are invited to the ${v.brandName} team on Rekomi as ${v.role === "owner" ? "an owner" : "a member"}.`,
    ],
    action: { label: "Join the team", url: v.url },
    note: "Sign in or create an account with this email address to accept. The link expires in 7 days.",
  });
}
