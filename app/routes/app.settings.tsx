import type { LoaderFunctionArgs } from "@remix-run/node";
import { NavLink, Outlet } from "@remix-run/react";
import { requireBrandUser } from "~/auth/guards.server";

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireBrandUser(request, context);
  return null;
}

const TABS = [
  { to: "/app/settings", label: "General", end: true },
  { to: "/app/settings/stripe", label: "Stripe", end: false },
  { to: "/app/settings/api-keys", label: "API keys", end: false },
  { to: "/app/settings/webhooks", label: "Webhooks", end: false },
];

export default function SettingsLayout() {
  return (
    <>
      <div className="page-header">
        <h1>Settings</h1>
      </div>
      <nav className="tabs" aria-label="Settings">
        {TABS.map((tab) => (
          <NavLink key={tab.to} to={tab.to} end={tab.end} prefetch="intent">
            {tab.label}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </>
  );
}
