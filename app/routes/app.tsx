import type { LoaderFunctionArgs } from "@remix-run/node";
import { Outlet, useLoaderData } from "@remix-run/react";
import { requireBrandUser } from "~/auth/guards.server";
import { AppShell, type NavItem } from "~/components/AppShell";
import { PlanBadges } from "~/components/PlanBadges";
import { VerifyBanner } from "~/components/VerifyBanner";
import { trialDaysLeft } from "~/domain/accounts";
import { simulatorEnabled } from "~/services/dev/simulator.server";
import type { Plan } from "~/db/schema";

/**
 * Brand portal layout. Child routes can read this data with
 * `useRouteLoaderData<BrandLayoutData>("routes/app")`.
 */
export interface BrandLayoutData {
  brand: { id: string; name: string; plan: Plan; trialEndsAt: string };
  user: { id: string; name: string; email: string; verified: boolean };
  role: "owner" | "member";
  trialDaysLeft: number;
  /** Development with the Stripe emulator: show the "Simulate checkout" page. */
  simulator: boolean;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { user, brand, role } = await requireBrandUser(request, context);
  const result: BrandLayoutData = {
    brand: {
      id: brand.id,
      name: brand.name,
      plan: brand.plan,
      trialEndsAt: brand.trial_ends_at.toISOString(),
    },
    user: {
      id: user.id,
      name: user.name,
      email: user.email,
      verified: user.email_verified_at !== null,
    },
    role,
    trialDaysLeft: trialDaysLeft(brand.trial_ends_at, new Date()),
    simulator: simulatorEnabled(context.config),
  };
  return result;
}

const NAV: NavItem[] = [
  { to: "/app", label: "Dashboard", end: true },
  { to: "/app/campaigns", label: "Campaigns" },
  { to: "/app/affiliates", label: "Affiliates" },
  { to: "/app/conversions", label: "Conversions" },
  { to: "/app/settings", label: "Settings" },
];

export default function BrandPortal() {
  const { brand, user, trialDaysLeft: daysLeft, simulator } = useLoaderData<BrandLayoutData>();
  const nav = simulator ? [...NAV, { to: "/app/simulate", label: "Simulate checkout" }] : NAV;
  return (
    <AppShell
      homeTo="/app"
      nav={nav}
      accountTitle={brand.name}
      accountDetail={<PlanBadges plan={brand.plan} daysLeft={daysLeft} />}
      email={user.email}
    >
      {user.verified ? null : (
        <VerifyBanner email={user.email} blocks="you cannot connect Stripe or create API keys" />
      )}
      <Outlet />
    </AppShell>
  );
}
