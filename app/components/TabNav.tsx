import { NavLink } from "@remix-run/react";

export interface Tab {
  /** Relative to the current route ("." for the index tab) or absolute. */
  to: string;
  label: string;
  /** Match only this exact path (index tabs). */
  end?: boolean;
}

/** A row of page tabs; the current one gets aria-current="page" from NavLink. */
export function TabNav({ tabs, label }: { tabs: readonly Tab[]; label: string }) {
  return (
    <nav className="tabs" aria-label={label}>
      {tabs.map((tab) => (
        <NavLink key={tab.to} to={tab.to} end={tab.end} prefetch="intent">
          {tab.label}
        </NavLink>
      ))}
    </nav>
  );
}
