/** Outbound webhooks and affiliate emails for conversion changes, in the changing transaction. */
import type { DB } from "~/db/db.server";
import type { ConversionRow } from "~/db/schema";
import type { LedgerAdjustmentResult } from "~/domain/clawback";
import { conversionJson } from "~/domain/conversion-json";
import { queueNotification } from "~/services/notifications/notification-events.server";
import { publishWebhookEvent } from "~/services/webhooks/webhook-messages.server";

export type ConversionEventType =
  "conversion.created" | "conversion.refunded" | "conversion.updated";

/**
 * Outbound webhook for a conversion change, enqueued in the SAME transaction as the change, so a
 * rolled-back job emits nothing and a retried one emits once (every caller emits only when its
 * write actually changed something).
 */
export async function emitConversionEvent(
  trx: DB,
  input: {
    brandId: string;
    type: ConversionEventType;
    conversion: ConversionRow;
    occurredAt?: Date;
  },
): Promise<void> {
  await publishWebhookEvent(trx, {
    brandId: input.brandId,
    type: input.type,
    data: conversionJson(input.conversion) as unknown as Record<string, unknown>,
    occurredAt: input.occurredAt,
  });
  // The affiliate's email (new commission / clawback), in the same transaction.
  const c = input.conversion;
  if (!c.affiliate_id) return;
  if (input.type === "conversion.created" && c.commission_amount > 0)
    await queueNotification(trx, { kind: "commission_earned", conversionId: c.id });
  else if (input.type !== "conversion.created" && c.refunded_amount > 0)
    await queueNotification(trx, { kind: "commission_clawed_back", conversionId: c.id });
}

/**
 * Outbound webhooks for a settled conversion: `conversion.created` (on creation),
 * `conversion.refunded` (became fully refunded) or `conversion.updated` (partially refunded further).
 */
export async function emitSettlement(
  trx: DB,
  conversion: ConversionRow,
  result: LedgerAdjustmentResult,
  opts: { created: boolean; previousRefunded: number },
): Promise<void> {
  const brandId = conversion.brand_id;
  if (opts.created)
    await emitConversionEvent(trx, { brandId, type: "conversion.created", conversion });
  if (result.becameRefunded)
    await emitConversionEvent(trx, { brandId, type: "conversion.refunded", conversion });
  else if (!opts.created && result.refundedAmount > opts.previousRefunded) {
    await emitConversionEvent(trx, { brandId, type: "conversion.updated", conversion });
  }
}
