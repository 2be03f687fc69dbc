import { PROCESS_STRIPE_EVENT_TASK, processStripeEventPayload } from "../../app/db/job-registry";
import { processStripeEvent } from "../../app/services/stripe-events/process.server";
import { type JobDeps, parsedTask, type ParsedTask } from "./define";

/** `stripe__process_event { eventRowId }`: process one stored Stripe event (idempotent). */
export function stripeTasks(deps: JobDeps): Record<string, ParsedTask> {
  return {
    [PROCESS_STRIPE_EVENT_TASK]: parsedTask(
      PROCESS_STRIPE_EVENT_TASK,
      processStripeEventPayload,
      async ({ eventRowId }) => {
        await processStripeEvent(deps.db, { config: deps.config }, eventRowId);
      },
    ),
  };
}
