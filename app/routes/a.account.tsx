import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { accountSettingsAction, accountSettingsData } from "~/auth/account-settings.server";
import { requireAffiliateUser } from "~/auth/guards.server";
import { AccountSettings } from "~/components/AccountSettings";
import { keepActionHeaders } from "~/http/action-headers";

/** Action headers (Retry-After, Cache-Control) reach the browser on document requests too. */
export const headers = keepActionHeaders;

export const meta: MetaFunction = () => [{ title: "Account · Rekomi" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireAffiliateUser(request, context);
  return accountSettingsData(context, user, "affiliate");
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { user } = await requireAffiliateUser(request, context);
  return accountSettingsAction(request, context, user, "affiliate");
}

export default function AffiliateAccount() {
  const { email, verified, preferences } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-header">
        <h1>Account</h1>
      </div>
      <AccountSettings email={email} verified={verified} preferences={preferences} />
    </>
  );
}
