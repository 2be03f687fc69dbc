import { notFoundResponse } from "~/components/NotFound";

/**
 * Every other unknown URL: a 404 rendered by the root error boundary. A matching splat route keeps
 * Remix from logging "No route matches URL" with a stack trace for each one (issue 13).
 */
export function loader(): never {
  throw notFoundResponse();
}

export default function Unreachable() {
  return null;
}
