import { useRouteLoaderData } from "@remix-run/react";

/** Hidden CSRF field; put it inside every <Form method="post">. */
export function CsrfInput() {
  const data = useRouteLoaderData<{ csrfToken: string }>("root");
  return <input type="hidden" name="_csrf" value={data?.csrfToken ?? ""} />;
}
