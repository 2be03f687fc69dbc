import { useFetcher } from "@remix-run/react";
import { CsrfInput } from "./CsrfInput";

/** Shown until the signed-in person's address is verified, with what it blocks and a resend. */
export function VerifyBanner({ email, blocks }: { email: string; blocks: string }) {
  const fetcher = useFetcher<{ message: string }>();
  return (
    <div className="alert warning" role="status">
      <strong>Confirm your email address.</strong> We sent a link to {email}. Until you open it,{" "}
      {blocks}.{" "}
      <fetcher.Form method="post" action="/verify-email" style={{ display: "inline" }}>
        <CsrfInput />
        <button type="submit" className="link" disabled={fetcher.state !== "idle"}>
          {fetcher.state !== "idle" ? "Sending…" : "Send the link again"}
        </button>
      </fetcher.Form>
      {fetcher.data ? <span> {fetcher.data.message}</span> : null}
    </div>
  );
}
