import { Link, isRouteErrorResponse, useRouteError } from "@remix-run/react";

/** In-page error boundary body: keeps the portal's navigation around a 404 or 403. */
export function ErrorPanel({
  backTo,
  backLabel,
  what,
}: {
  backTo: string;
  backLabel: string;
  what: string;
}) {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  return (
    <div className="card" role="alert">
      <h1>
        {status === 404
          ? `${what} not found`
          : status === 403
            ? "Not allowed"
            : "Something went wrong"}
      </h1>
      <p className="muted">
        {status === 404
          ? `This ${what.toLowerCase()} does not exist, or it belongs to another account.`
          : isRouteErrorResponse(error) && typeof error.data === "string"
            ? error.data
            : "An unexpected error occurred. Please try again."}
      </p>
      <Link to={backTo}>{backLabel}</Link>
    </div>
  );
}
