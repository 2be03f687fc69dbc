import { NotFound, notFoundResponse } from "~/components/NotFound";

/** Any unknown URL under /a: a 404 inside the affiliate portal's frame. */
export function loader(): never {
  throw notFoundResponse();
}

export function ErrorBoundary() {
  return <NotFound homeTo="/a" homeLabel="Go to my campaigns" />;
}

export default function Unreachable() {
  return null;
}
