import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { AuthCard } from "~/components/AuthCard";
import { CsrfInput } from "~/components/CsrfInput";
import { FormError } from "~/components/Field";
import { NOTIFICATION_KINDS } from "~/domain/notifications";
import { readUnsubscribe } from "~/domain/unsubscribe.server";
import { setPreference } from "~/services/notifications/notifications.server";

export const meta: MetaFunction = () => [{ title: "Unsubscribe · Rekomi" }];

/** The unsubscribe link of a notification email (signed, no sign-in needed). GET changes nothing. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const link = readUnsubscribe(context.config.sessionSecret, new URL(request.url).searchParams);
  return { label: link ? NOTIFICATION_KINDS[link.kind].label : null };
}

export async function action({ request, context }: ActionFunctionArgs) {
  await requireCsrfForm(request);
  const link = readUnsubscribe(context.config.sessionSecret, new URL(request.url).searchParams);
  if (!link)
    return data({ done: false, error: "This unsubscribe link is not valid." }, { status: 400 });
  await setPreference(context.db, { userId: link.userId, kind: link.kind, enabled: false });
  return data({ done: true });
}

export default function Unsubscribe() {
  const { label } = useLoaderData<typeof loader>();
  const actionData = useActionData<{ done: boolean }>();
  if (!label) {
    return (
      <AuthCard title="Unsubscribe">
        <FormError>
          This unsubscribe link is not valid. Change your emails in Settings → Account.
        </FormError>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Unsubscribe">
      {actionData?.done ? (
        <div className="alert success" role="status">
          Done: no more emails for “{label}”. You can turn it back on in Settings → Account.
        </div>
      ) : (
        <Form method="post">
          <CsrfInput />
          <p>Stop emails for “{label}”?</p>
          <button type="submit" className="primary">
            Unsubscribe
          </button>
        </Form>
      )}
    </AuthCard>
  );
}
