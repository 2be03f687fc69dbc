import { useId, type ReactNode } from "react";

/** A titled settings section, with an optional success message for its last save. */
export function SettingsCard({
  title,
  saved,
  children,
}: {
  title: string;
  saved?: string | null;
  children: ReactNode;
}) {
  const id = `card-${useId().replace(/:/g, "")}`;
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id} style={{ marginTop: 0 }}>
        {title}
      </h2>
      {saved ? (
        <div className="alert success" role="status">
          {saved}
        </div>
      ) : null}
      {children}
    </section>
  );
}
