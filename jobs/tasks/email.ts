import { SEND_EMAIL_TASK, sendEmailPayload } from "../../app/db/job-registry";
import { smtpTransport } from "../../app/mail/transport.server";
import { sendQueuedEmail } from "../../app/services/notifications/outbox.server";
import { type JobDeps, parsedTask, type ParsedTask } from "./define";

/** `email__send { outboxId }`: send one outbox message over SMTP; throws (-> retry) on failure. */
export function emailTasks(deps: JobDeps): Record<string, ParsedTask> {
  return {
    [SEND_EMAIL_TASK]: parsedTask(SEND_EMAIL_TASK, sendEmailPayload, async ({ outboxId }) => {
      await sendQueuedEmail(
        deps.db,
        { transport: smtpTransport(deps.config.smtpUrl), from: deps.config.mailFrom },
        outboxId,
      );
    }),
  };
}
