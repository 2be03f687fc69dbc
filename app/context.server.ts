import type { Config } from "./config.server";
import type { DB } from "./db/db.server";

/** What the server passes to every loader and action (see server.ts getLoadContext). */
export interface AppContext {
  db: DB;
  config: Config;
  /** The client's address as seen by the server (used by rate limits). */
  clientIp: string;
  /** This browser's CSRF token (also in its `__rekomi_csrf` cookie); rendered into every form. */
  csrfToken: string;
}

declare module "@remix-run/node" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends AppContext {}
}
