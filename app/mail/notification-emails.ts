/** Notification emails (pure). Each has one call to action; the caller adds the unsubscribe link. */
import type { EmailParts } from "./layout";

type Parts = Omit<EmailParts, "unsubscribeUrl">;

export function applicationReceived(v: { brandName: string; appUrl: string }): Parts {
  return {
    subject: `Your application to ${v.brandName} was received`,
    heading: "Application received",
    paragraphs: [`${v.brandName} reviews each application. We'll email you when they decide.`],
    action: { label: "Open your affiliate portal", url: `${v.appUrl}/a` },
  };
}

export function applicationDecided(v: {
  brandName: string;
  approved: boolean;
  appUrl: string;
}): Parts {
  return {
    subject: v.approved
      ? `${v.brandName} approved your application`
      : `${v.brandName} declined your application`,
    heading: v.approved ? "You're approved" : "Application declined",
    paragraphs: [
      v.approved
        ? `Your referral links for ${v.brandName} work now. Share them to start earning.`
        : `${v.brandName} decided not to accept your application this time.`,
    ],
    action: { label: "Open your affiliate portal", url: `${v.appUrl}/a` },
  };
}

export function commissionEarned(v: { brandName: string; amount: string; appUrl: string }): Parts {
  return {
    subject: `You earned ${v.amount} from ${v.brandName}`,
    heading: `New commission: ${v.amount}`,
    paragraphs: [`A customer you referred to ${v.brandName} paid. Your commission is ${v.amount}.`],
    action: { label: "See your earnings", url: `${v.appUrl}/a/conversions` },
  };
}

export function commissionClawedBack(v: {
  brandName: string;
  amount: string;
  appUrl: string;
}): Parts {
  return {
    subject: `${v.amount} commission from ${v.brandName} was clawed back`,
    heading: "Commission clawed back",
    paragraphs: [
      `A payment you were credited for at ${v.brandName} was refunded, so ${v.amount} of commission was taken back.`,
    ],
    action: { label: "See your earnings", url: `${v.appUrl}/a/conversions` },
  };
}

export function affiliatePending(v: {
  affiliateName: string;
  affiliateEmail: string;
  appUrl: string;
}): Parts {
  return {
    subject: `${v.affiliateName} is waiting for approval`,
    heading: "A new affiliate applied",
    paragraphs: [`${v.affiliateName} (${v.affiliateEmail}) applied to your affiliate program.`],
    action: {
      label: "Review pending affiliates",
      url: `${v.appUrl}/app/affiliates?status=pending`,
    },
  };
}

export function webhookDisabled(v: { url: string; reason: string; link: string }): Parts {
  return {
    subject: "A webhook endpoint was disabled",
    heading: "Webhook endpoint disabled",
    paragraphs: [`Rekomi stopped sending events to ${v.url}.`, v.reason],
    action: { label: "Open the endpoint", url: v.link },
  };
}

export function stripeEventsFailing(v: {
  eventType: string;
  error: string;
  appUrl: string;
}): Parts {
  return {
    subject: "Stripe events are failing to process",
    heading: "Stripe events are failing",
    paragraphs: [
      `A ${v.eventType} event from your Stripe account failed to process several times. Rekomi keeps retrying.`,
      `Last error: ${v.error}`,
    ],
    action: { label: "Open Stripe settings", url: `${v.appUrl}/app/settings/stripe` },
  };
}
