import type { LoaderFunctionArgs } from "@remix-run/node";
import { Outlet, useLoaderData } from "@remix-run/react";
import { requireAffiliateUser } from "~/auth/guards.server";
import { AppShell, type NavItem } from "~/components/AppShell";
import { VerifyBanner } from "~/components/VerifyBanner";

/** Affiliate portal layout (`/a`): only people with at least one affiliate row get here. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user } = await requireAffiliateUser(request, context);
  return {
    user: { name: user.name, email: user.email, verified: user.email_verified_at !== null },
  };
}

const NAV: NavItem[] = [
  { to: "/a", label: "My campaigns", end: true },
  { to: "/a/conversions", label: "My earnings" },
  { to: "/a/account", label: "Account" },
];

export default function AffiliatePortal() {
  const { user } = useLoaderData<typeof loader>();
  return (
    <AppShell
      homeTo="/a"
      nav={NAV}
      accountTitle={user.name}
      accountDetail="Affiliate"
      email={user.email}
    >
      {user.verified ? null : (
        <VerifyBanner
          email={user.email}
          blocks="you cannot accept a brand's invitation or receive payouts"
        />
      )}
      <Outlet />
    </AppShell>
  );
}
