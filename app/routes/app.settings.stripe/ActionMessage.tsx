/** The banner after connect, disconnect or retry (a connect error shows on the field instead). */
import type { StripeSettingsActionData } from "./stripe-settings.server";

export function ActionMessage({
  actionData,
}: {
  actionData: StripeSettingsActionData | undefined;
}) {
  if (!actionData) return null;
  if (actionData.intent === "connect") {
    if (!actionData.ok) return null; // shown on the field
    return (
      <>
        <div className="alert success" role="status">
          {actionData.replaced
            ? "Stripe reconnected. The previous webhook endpoint was replaced."
            : "Stripe connected. Rekomi now receives your Stripe events."}
        </div>
        {actionData.warning ? (
          <div className="alert warning" role="alert">
            {actionData.warning}
          </div>
        ) : null}
      </>
    );
  }
  if (actionData.intent === "disconnect") {
    if (!actionData.ok) {
      return (
        <div className="alert info" role="status">
          {actionData.message}
        </div>
      );
    }
    return (
      <>
        <div className="alert success" role="status">
          Stripe disconnected.
        </div>
        {actionData.warning ? (
          <div className="alert warning" role="alert">
            {actionData.warning}
          </div>
        ) : null}
      </>
    );
  }
  return (
    <div className={`alert ${actionData.ok ? "success" : "info"}`} role="status">
      {actionData.message}
    </div>
  );
}
