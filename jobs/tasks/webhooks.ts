import { DELIVER_WEBHOOK_TASK, deliverWebhookPayload } from "../../app/db/job-registry";
import {
  deliverWebhook,
  type DeliveryDeps,
} from "../../app/services/webhooks/webhook-messages.server";
import { type JobDeps, parsedTask, type ParsedTask } from "./define";

/**
 * `webhooks__deliver { deliveryId }`: one attempt of one outbound webhook delivery. The service
 * logs HTTP failures and schedules its own retries (a new job with the delivery's job key), so the
 * task only throws on infrastructure errors, which graphile-worker retries.
 */
export function webhookTasks(
  deps: JobDeps & { delivery?: Omit<DeliveryDeps, "config"> },
): Record<string, ParsedTask> {
  return {
    [DELIVER_WEBHOOK_TASK]: parsedTask(
      DELIVER_WEBHOOK_TASK,
      deliverWebhookPayload,
      async ({ deliveryId }) => {
        await deliverWebhook(deps.db, { config: deps.config, ...deps.delivery }, deliveryId);
      },
    ),
  };
}
