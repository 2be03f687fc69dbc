import type { ReactNode } from "react";

/** The centred card of the signed-out pages (login, reset, verification, invitations). */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="centered">
      <div className="card narrow">
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
