import type { TaskList } from "graphile-worker";
import { z } from "zod";
import { smtpTransport } from "../../app/mail/transport.server";
import { SEND_EMAIL_TASK, sendQueuedEmail } from "../../app/services/notifications/outbox.server";
import type { JobDeps } from "./index";

const payloadSchema = z.object({ outboxId: z.uuid() });

/** `email__send { outboxId }`: send one outbox message over SMTP; throws (-> retry) on failure. */
export function emailTasks(deps: JobDeps): TaskList {
  return {
    [SEND_EMAIL_TASK]: async (payload, helpers) => {
      const parsed = payloadSchema.safeParse(payload);
      if (!parsed.success) {
        helpers.logger.error(`${SEND_EMAIL_TASK}: invalid payload ${JSON.stringify(payload)}`);
        return;
      }
      await sendQueuedEmail(
        deps.db,
        { transport: smtpTransport(deps.config.smtpUrl), from: deps.config.mailFrom },
        parsed.data.outboxId,
      );
    },
  };
}
