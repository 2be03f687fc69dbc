import type { HeadersFunction } from "@remix-run/node";

/**
 * A route's `headers` export that keeps the headers its action set: Remix builds a document
 * response's headers only from this export, so without it a `data(..., { headers })` from an
 * action (Retry-After on a 429, Cache-Control: no-store on a secret) never reaches the browser.
 */
export const keepActionHeaders: HeadersFunction = ({ actionHeaders, loaderHeaders }) => {
  const headers = new Headers(loaderHeaders);
  for (const name of ["Retry-After", "Cache-Control"]) {
    const value = actionHeaders.get(name);
    if (value) headers.set(name, value);
  }
  return headers;
};
