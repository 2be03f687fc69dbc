/**
 * `checkout.session.completed`: a paid one-off (payment mode) session is a conversion; a
 * subscription-mode session carries the purchase's click id for its subscription's first invoice.
 * Parse once -> gather (one-off payments: the Stripe reads of the payment) -> lock -> apply.
 */
import { readCheckoutSession, type SessionFacts } from "~/stripe/readers";
import { applyPayment } from "../attribution/apply-payment.server";
import {
  type LockScope,
  lockAttribution,
  lockKeys,
  paymentLockKey,
} from "../attribution/locks.server";
import {
  gatherPayment,
  saveLearnedDiscounts,
  sessionRecord,
} from "../attribution/payment-records.server";
import { StripeFacts } from "../attribution/stripe-facts";
import { rememberSubscription } from "../attribution/subscriptions.server";
import { eventObject, gatheredOr, type GatherContext, type StripeEventContext } from "./context";

interface SessionCompleted {
  session: SessionFacts | null;
  facts: StripeFacts;
}

async function gatherSessionCompleted(g: GatherContext): Promise<SessionCompleted> {
  const facts = new StripeFacts(g.stripe);
  const s = readCheckoutSession(eventObject(g.event));
  if (s && s.mode === "payment" && s.paid)
    await gatherPayment(
      g.db,
      facts,
      g.brandId,
      { kind: "session", key: s.id, customerId: s.customerId },
      () => sessionRecord(facts, s),
    );
  return { session: s, facts };
}

/** A one-off payment locks its customer (or, guest, its payment intent); a subscription's, the customer. */
function lockScope(s: SessionFacts | null): LockScope {
  if (!s || !s.paid) return lockKeys();
  if (s.mode !== "payment") return lockKeys(s.customerId ? `customer:${s.customerId}` : null);
  const key = paymentLockKey({
    customerId: s.customerId,
    kind: "session",
    key: s.id,
    paymentIntentId: s.paymentIntentId,
  });
  return lockKeys(key, s.paymentIntentId ? `pi:${s.paymentIntentId}` : null);
}

export async function onCheckoutSessionCompleted(ctx: StripeEventContext): Promise<void> {
  const { session: s, facts } = await gatheredOr(ctx, gatherSessionCompleted);
  const { trx, brandId } = ctx;
  await lockAttribution(trx, brandId, lockScope(s));
  if (s?.paid && s.mode === "payment") {
    await applyPayment(trx, facts, brandId, await sessionRecord(facts, s));
  } else if (s?.paid && s.mode === "subscription" && s.subscriptionId && s.customerId) {
    await rememberSubscription(trx, facts, brandId, {
      subscriptionId: s.subscriptionId,
      customerId: s.customerId,
      promos: s.promotionCodeIds,
      clickRef: s.clickRef,
      sessionId: s.id,
      invoiceId: s.invoiceId,
    });
  }
  await saveLearnedDiscounts(trx, brandId, facts);
}
onCheckoutSessionCompleted.gather = gatherSessionCompleted;
