import type { Migration } from "kysely";
import * as m0001 from "./0001_foundation";

/**
 * Every migration, in order. Forward-only: there are no `down` functions; fix forward with a new
 * migration. Listed statically so the same list works under tsx, vitest and bundlers.
 */
export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
};
