/**
 * Settings → Stripe (owners only): the connection, connecting a restricted key, and the recent
 * webhook events. Loader and action: ./stripe-settings.server.ts.
 */
import type { MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { useFocusFirstInvalid } from "~/components/Field";
import { keepActionHeaders } from "~/http/action-headers";
import { ActionMessage } from "./ActionMessage";
import { ConnectForm } from "./ConnectForm";
import { ConnectionCard } from "./ConnectionCard";
import { EventsTable } from "./EventsTable";
import type { LoaderData, StripeSettingsActionData } from "./stripe-settings.server";

export { action, loader, type StripeSettingsActionData } from "./stripe-settings.server";

/** Action headers (Retry-After, Cache-Control) reach the browser on document requests too. */
export const headers = keepActionHeaders;

export const meta: MetaFunction = () => [{ title: "Stripe · Settings · Rekomi" }];

export default function StripeSettings() {
  const { connection, webhookUrl, events } = useLoaderData<LoaderData>();
  const actionData = useActionData<StripeSettingsActionData>();
  const navigation = useNavigation();
  const formRef = useRef<HTMLFormElement>(null);
  const connectError =
    actionData?.intent === "connect" && !actionData.ok ? actionData.fieldErrors : null;
  useFocusFirstInvalid(formRef, connectError);
  // A key that worked is not left in the field.
  useEffect(() => {
    if (actionData?.intent === "connect" && actionData.ok) formRef.current?.reset();
  }, [actionData]);
  const busyIntent = navigation.state === "submitting" ? navigation.formData?.get("intent") : null;

  return (
    <div className="stack">
      <ActionMessage actionData={actionData} />

      {connection.connected ? (
        <ConnectionCard
          connection={connection}
          webhookUrl={webhookUrl}
          busy={busyIntent === "disconnect"}
        />
      ) : null}
      <ConnectForm
        connected={connection.connected}
        busy={busyIntent === "connect"}
        error={connectError?.secret_key}
        formRef={formRef}
      />
      <EventsTable events={events} connected={connection.connected} />
    </div>
  );
}
