import { NotFound, notFoundResponse } from "~/components/NotFound";

/** Any unknown URL under /app: a 404 inside the brand portal's frame (the layout still renders). */
export function loader(): never {
  throw notFoundResponse();
}

export function ErrorBoundary() {
  return <NotFound homeTo="/app" homeLabel="Go to the dashboard" />;
}

export default function Unreachable() {
  return null;
}
