import { Form, Link, NavLink } from "@remix-run/react";
import type { ReactNode } from "react";
import { CsrfInput } from "./CsrfInput";

export interface NavItem {
  to: string;
  label: string;
  /** Match only this exact path (for index routes such as Dashboard). */
  end?: boolean;
}

export interface AppShellProps {
  homeTo: string;
  nav: NavItem[];
  /** Who and where: e.g. brand name, plan badges. */
  accountTitle: ReactNode;
  accountDetail?: ReactNode;
  email: string;
  children: ReactNode;
}

/**
 * Signed-in portal frame: skip link, sidebar with the main navigation, the account block with a
 * CSRF-protected Log out button, and the main landmark the skip link targets.
 */
export function AppShell({
  homeTo,
  nav,
  accountTitle,
  accountDetail,
  email,
  children,
}: AppShellProps) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="shell">
        <header className="sidebar">
          <Link className="logo" to={homeTo}>
            Rekomi
          </Link>
          <nav aria-label="Main">
            <ul>
              {nav.map((item) => (
                <li key={item.to}>
                  <NavLink to={item.to} end={item.end} prefetch="intent">
                    {item.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <div className="account">
            <div className="account-title">{accountTitle}</div>
            {accountDetail ? <div className="account-detail">{accountDetail}</div> : null}
            <div className="account-email" title={email}>
              {email}
            </div>
            <Form method="post" action="/logout">
              <CsrfInput />
              <button type="submit">Log out</button>
            </Form>
          </div>
        </header>
        <main id="main" className="content" tabIndex={-1}>
          {children}
        </main>
      </div>
    </>
  );
}
