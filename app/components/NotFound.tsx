import { Link } from "@remix-run/react";

/** The 404 page: what happened and where to go instead. Rendered inside whichever frame fits. */
export function NotFound({ homeTo, homeLabel }: { homeTo: string; homeLabel: string }) {
  return (
    <section className="not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">Page not found</h1>
      <p className="muted">
        There is no page at this address. It may have moved, or the link may be mistyped.
      </p>
      <p>
        <Link to={homeTo}>{homeLabel}</Link>
      </p>
    </section>
  );
}

/** For a splat route's loader: answer 404 without logging it as a server error. */
export function notFoundResponse(): Response {
  return new Response("Not Found", { status: 404 });
}
