import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { accountSettingsAction, accountSettingsData } from "~/auth/account-settings.server";
import { requireBrandUser } from "~/auth/guards.server";
import { AccountSettings } from "~/components/AccountSettings";
import { keepActionHeaders } from "~/http/action-headers";

/** Action headers (Retry-After, Cache-Control) reach the browser on document requests too. */
export const headers = keepActionHeaders;

export const meta: MetaFunction = () => [{ title: "Account · Settings · Rekomi" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireBrandUser(request, context);
  return accountSettingsData(context, user, "brand");
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireBrandUser(request, context);
  return accountSettingsAction(request, context, user, "brand");
}

export default function BrandAccountSettings() {
  const { email, verified, preferences } = useLoaderData<typeof loader>();
  return <AccountSettings email={email} verified={verified} preferences={preferences} />;
}
