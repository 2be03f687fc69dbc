import type { LoaderFunctionArgs } from "@remix-run/node";
import { NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { requireBrandUser } from "~/auth/guards.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { role } = await requireBrandUser(request, context);
  return { role };
}

const TABS = [
  { to: "/app/settings", label: "General", end: true, ownerOnly: false },
  { to: "/app/settings/account", label: "Account", end: false, ownerOnly: false },
  { to: "/app/settings/team", label: "Team", end: false, ownerOnly: false },
  { to: "/app/settings/stripe", label: "Stripe", end: false, ownerOnly: true },
  { to: "/app/settings/api-keys", label: "API keys", end: false, ownerOnly: true },
  { to: "/app/settings/webhooks", label: "Webhooks", end: false, ownerOnly: false },
];

export default function SettingsLayout() {
  const { role } = useLoaderData<typeof loader>();
  return (
    <>
      <div className="page-header">
        <h1>Settings</h1>
      </div>
      <nav className="tabs" aria-label="Settings">
        {TABS.filter((tab) => role === "owner" || !tab.ownerOnly).map((tab) => (
          <NavLink key={tab.to} to={tab.to} end={tab.end} prefetch="intent">
            {tab.label}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </>
  );
}
