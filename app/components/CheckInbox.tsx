import { Link } from "@remix-run/react";

/**
 * The one answer after signup, join or "forgot password": the same whether or not the address
 * already has an account, so the page never reveals which emails are registered.
 */
export function CheckInbox({ email, children }: { email: string; children?: React.ReactNode }) {
  return (
    <div className="alert success" role="status">
      <h2 style={{ marginTop: 0 }}>Check your inbox</h2>
      <p>
        We sent an email to <strong>{email}</strong>. Open the link in it to continue.
      </p>
      {children}
      <p className="muted small" style={{ marginBottom: 0 }}>
        Nothing there after a few minutes? Check your spam folder, or{" "}
        <Link to="/login">log in</Link> if you already have an account.
      </p>
    </div>
  );
}
