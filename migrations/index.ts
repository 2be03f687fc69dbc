import type { Migration } from "kysely";
import * as m0001 from "./0001_foundation";
import * as m0002 from "./0002_api_keys";
import * as m0003 from "./0003_stripe";
import * as m0004 from "./0004_coupons";
import * as m0005 from "./0005_clicks";
import * as m0006 from "./0006_attribution";
import * as m0007 from "./0007_webhooks";
import * as m0008 from "./0008_api";
import * as m0009 from "./0009_conversion_reads";
import * as m0010 from "./0010_attribution_state";
import * as m0011 from "./0011_hot_path_writes";
import * as m0012 from "./0012_accounts_email";
import * as m0013 from "./0013_stripe_writes";
import * as m0014 from "./0014_recruit_review";
import * as m0015 from "./0015_store_events_job_key";

/**
 * Every migration, in order. Forward-only: there are no `down` functions; fix forward with a new
 * migration. Listed statically so the same list works under tsx, vitest and bundlers.
 */
export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
  "0002_api_keys": m0002,
  "0003_stripe": m0003,
  "0004_coupons": m0004,
  "0005_clicks": m0005,
  "0006_attribution": m0006,
  "0007_webhooks": m0007,
  "0008_api": m0008,
  "0009_conversion_reads": m0009,
  "0010_attribution_state": m0010,
  "0011_hot_path_writes": m0011,
  "0012_accounts_email": m0012,
  "0013_stripe_writes": m0013,
  "0014_recruit_review": m0014,
  "0015_store_events_job_key": m0015,
};
