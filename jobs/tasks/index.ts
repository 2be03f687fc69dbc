import type { TaskList } from "graphile-worker";
import { couponTasks } from "./coupons";
import type { JobDeps } from "./define";
import { emailTasks } from "./email";
import { notificationTasks } from "./notifications";
import { stripeTasks } from "./stripe";
import { stripeWriteTasks } from "./stripe-writes";
import { webhookTasks } from "./webhooks";

export type { JobDeps } from "./define";

/**
 * The task list. Tasks are thin wrappers: parse the payload, call a service, let errors throw so
 * graphile-worker retries with backoff. Later issues add their tasks here.
 */
export function makeTaskList(deps: JobDeps): TaskList {
  return {
    ...stripeTasks(deps),
    ...webhookTasks(deps),
    ...couponTasks(deps),
    ...emailTasks(deps),
    ...stripeWriteTasks(deps),
    ...notificationTasks(deps),
  };
}
