import { Form, Link, NavLink, useLocation } from "@remix-run/react";
import { type ReactNode, useEffect, useState } from "react";
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
 * CSRF-protected Log out button, and the main landmark the skip link targets. Below 768 px the
 * sidebar is a top bar whose Menu button opens the navigation as a drawer (closed again by
 * navigating, Escape, or a tap outside). Before JavaScript loads the navigation is simply shown.
 */
export function AppShell({
  homeTo,
  nav,
  accountTitle,
  accountDetail,
  email,
  children,
}: AppShellProps) {
  const [open, setOpen] = useState(false);
  const { pathname } = useLocation();
  useEffect(() => setOpen(false), [pathname]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") setOpen(false);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="shell">
        <header className={open ? "sidebar open" : "sidebar"}>
          <div className="sidebar-top">
            <Link className="logo" to={homeTo}>
              Rekomi
            </Link>
            <button
              type="button"
              className="menu-button"
              aria-expanded={open}
              aria-controls="app-drawer"
              onClick={() => setOpen((o) => !o)}
            >
              {open ? "Close menu" : "Menu"}
            </button>
          </div>
          <div className="drawer" id="app-drawer">
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
          </div>
        </header>
        {open ? (
          <button
            type="button"
            className="drawer-backdrop"
            aria-label="Close menu"
            tabIndex={-1}
            onClick={() => setOpen(false)}
          />
        ) : null}
        <main id="main" className="content" tabIndex={-1}>
          {children}
        </main>
      </div>
    </>
  );
}
