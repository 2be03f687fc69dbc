import type { TaskList } from "graphile-worker";
import { z } from "zod";
import {
  DELIVER_WEBHOOK_TASK,
  deliverWebhook,
  type DeliveryDeps,
} from "../../app/services/webhooks/webhook-messages.server";
import type { JobDeps } from "./index";

const payloadSchema = z.object({ deliveryId: z.uuid() });

/**
 * `webhooks__deliver { deliveryId }`: one attempt of one outbound webhook delivery. The service
 * logs HTTP failures and schedules its own retries (a new job with the delivery's job key), so the
 * task only throws on infrastructure errors, which graphile-worker retries.
 */
export function webhookTasks(
  deps: JobDeps & { delivery?: Omit<DeliveryDeps, "config"> },
): TaskList {
  return {
    [DELIVER_WEBHOOK_TASK]: async (payload, helpers) => {
      const parsed = payloadSchema.safeParse(payload);
      if (!parsed.success) {
        helpers.logger.error(`${DELIVER_WEBHOOK_TASK}: invalid payload ${JSON.stringify(payload)}`);
        return;
      }
      await deliverWebhook(
        deps.db,
        { config: deps.config, ...deps.delivery },
        parsed.data.deliveryId,
      );
    },
  };
}
