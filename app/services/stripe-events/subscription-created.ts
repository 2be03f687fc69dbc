/**
 * `customer.subscription.created`: the subscription's signals (its codes, `metadata.rekomi_ref`)
 * for its first invoice. Parse once -> gather (resolve its discounts' promotion codes through
 * Stripe) -> lock the customer -> remember the signals (and reconsider a first invoice processed
 * before they were known).
 */
import { type SubscriptionFacts, readSubscription } from "~/stripe/readers";
import { lockAttribution, lockKeys } from "../attribution/locks.server";
import { promotionCodesOf, saveLearnedDiscounts } from "../attribution/payment-records.server";
import { StripeFacts } from "../attribution/stripe-facts";
import { rememberSubscription } from "../attribution/subscriptions.server";
import { eventObject, gatheredOr, type GatherContext, type StripeEventContext } from "./context";

interface SubscriptionCreated {
  subscription: SubscriptionFacts | null;
  facts: StripeFacts;
}

async function gatherSubscriptionCreated(g: GatherContext): Promise<SubscriptionCreated> {
  const facts = new StripeFacts(g.stripe);
  const s = readSubscription(eventObject(g.event));
  if (s)
    await promotionCodesOf(g.db, facts, g.brandId, s.discounts, () =>
      facts.subscriptionDiscounts(s.id),
    );
  return { subscription: s, facts };
}

export async function onSubscriptionCreated(ctx: StripeEventContext): Promise<void> {
  const { subscription: s, facts } = await gatheredOr(ctx, gatherSubscriptionCreated);
  const { trx, brandId } = ctx;
  await lockAttribution(trx, brandId, lockKeys(s?.customerId ? `customer:${s.customerId}` : null));
  if (s && s.customerId) {
    const { promos } = await promotionCodesOf(trx, facts, brandId, s.discounts, () =>
      facts.subscriptionDiscounts(s.id),
    );
    await rememberSubscription(trx, facts, brandId, {
      subscriptionId: s.id,
      customerId: s.customerId,
      promos,
      clickRef: s.clickRef,
    });
  }
  await saveLearnedDiscounts(trx, brandId, facts);
}
onSubscriptionCreated.gather = gatherSubscriptionCreated;
