import { NOTIFY_TASK, notificationPayloadSchema } from "../../app/db/job-registry";
import { sendNotification } from "../../app/services/notifications/notification-events.server";
import { type JobDeps, parsedTask, type ParsedTask } from "./define";

/** `notifications__send {kind, ...}`: write the notification emails of one event to the outbox. */
export function notificationTasks(deps: JobDeps): Record<string, ParsedTask> {
  return {
    [NOTIFY_TASK]: parsedTask(NOTIFY_TASK, notificationPayloadSchema, async (payload) => {
      await sendNotification(deps.db, deps.config, payload);
    }),
  };
}
