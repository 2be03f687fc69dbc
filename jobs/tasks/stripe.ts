import type { TaskList } from "graphile-worker";
import { z } from "zod";
import {
  PROCESS_STRIPE_EVENT_TASK,
  processStripeEvent,
} from "../../app/services/attribution/stripe-events.server";
import type { JobDeps } from "./index";

const payloadSchema = z.object({ eventRowId: z.uuid() });

/** `stripe__process_event { eventRowId }`: process one stored Stripe event (idempotent). */
export function stripeTasks(deps: JobDeps): TaskList {
  return {
    [PROCESS_STRIPE_EVENT_TASK]: async (payload, helpers) => {
      const parsed = payloadSchema.safeParse(payload);
      if (!parsed.success) {
        // A malformed payload can never succeed; log and drop it instead of retrying for days.
        helpers.logger.error(
          `${PROCESS_STRIPE_EVENT_TASK}: invalid payload ${JSON.stringify(payload)}`,
        );
        return;
      }
      await processStripeEvent(deps.db, { config: deps.config }, parsed.data.eventRowId);
    },
  };
}
