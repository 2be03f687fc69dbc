import type { Plan } from "~/db/schema";
import { PLAN_LABELS } from "~/domain/accounts";

/** The brand's plan, plus "Trial: N days left" while the trial runs. */
export function PlanBadges({ plan, daysLeft }: { plan: Plan; daysLeft: number }) {
  return (
    <span className="plan-badges">
      <span className="badge">{PLAN_LABELS[plan]}</span>{" "}
      {daysLeft > 0 ? (
        <span className="badge warning">
          Trial: {daysLeft} day{daysLeft === 1 ? "" : "s"} left
        </span>
      ) : null}
    </span>
  );
}
