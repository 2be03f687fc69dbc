import type { TaskList } from "graphile-worker";
import {
  NOTIFY_TASK,
  notificationPayloadSchema,
  sendNotification,
} from "../../app/services/notifications/notification-events.server";
import type { JobDeps } from "./index";

/** `notifications__send {kind, ...}`: write the notification emails of one event to the outbox. */
export function notificationTasks(deps: JobDeps): TaskList {
  return {
    [NOTIFY_TASK]: async (payload, helpers) => {
      const parsed = notificationPayloadSchema.safeParse(payload);
      if (!parsed.success) {
        helpers.logger.error(`${NOTIFY_TASK}: invalid payload ${JSON.stringify(payload)}`);
        return;
      }
      await sendNotification(deps.db, deps.config, parsed.data);
    },
  };
}
