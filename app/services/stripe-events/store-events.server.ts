/**
 * Storing verified events: group commit (app/db/group-commit.server.ts), one statement per batch
 * (`rekomi_store_stripe_events`, migration 0015) that inserts the events and enqueues one
 * processing job per new pending row, with the job key and payload from app/db/job-registry.ts.
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { DB } from "~/db/db.server";
import { GroupCommitWriter, writerPerKey } from "~/db/group-commit.server";
import { PROCESS_STRIPE_EVENT_TASK, processJobKey } from "~/db/job-registry";
import type { StripeEventStatus } from "~/db/schema";

export interface EventRow {
  stripeEventId: string;
  type: string;
  livemode: boolean;
  apiVersion: string | null;
  stripeCreatedAt: Date;
  payload: string;
  status: StripeEventStatus;
  error: string | null;
}

export interface EventWrite extends EventRow {
  brandId: string;
  /** The connection the event was verified with; the row is stored only while it is current. */
  secretCipher: string;
  connectionLivemode: boolean;
}

type StoreResult =
  { kind: "inserted" | "duplicate"; id: string; status: StripeEventStatus } | { kind: "stale" };

/**
 * Store a batch of verified events in ONE statement (one implicit transaction): insert the events
 * whose brand's connection still has the secret they were verified with (on conflict do nothing),
 * and `graphile_worker.add_jobs` one processing job per new pending row. Duplicates in the batch
 * are written once. Returns one result per event, in order.
 */
async function storeEvents(db: DB, events: EventWrite[]): Promise<StoreResult[]> {
  const keyOf = (e: EventWrite) => `${e.brandId}\u0000${e.stripeEventId}`;
  const firstIndex = new Map<string, number>();
  const unique: EventWrite[] = [];
  for (const e of events) {
    if (!firstIndex.has(keyOf(e))) {
      firstIndex.set(keyOf(e), unique.length);
      unique.push(e);
    }
  }
  const col = <T>(f: (e: EventWrite) => T) => unique.map(f);
  // The row ids are chosen here, so the job key and payload come from the job registry.
  const ids = unique.map(() => randomUUID());
  // PL/pgSQL (migrations/0015_store_events_job_key.ts) so the statement's plan is cached per connection.
  const { rows } = await sql<{
    ord: number;
    connected: boolean;
    inserted_id: string | null;
    inserted_status: StripeEventStatus | null;
    existing_id: string | null;
    existing_status: StripeEventStatus | null;
  }>`
    select r_ord as ord, r_connected as connected, r_inserted_id as inserted_id, r_inserted_status as inserted_status,
           r_existing_id as existing_id, r_existing_status as existing_status
    from rekomi_store_stripe_events(
      ${ids}::uuid[], ${col((e) => e.brandId)}::uuid[], ${col((e) => e.stripeEventId)}::text[], ${col((e) => e.type)}::text[],
      ${col((e) => e.livemode)}::boolean[], ${col((e) => e.apiVersion)}::text[], ${col((e) => e.stripeCreatedAt)}::timestamptz[],
      ${col((e) => e.payload)}::text[], ${col((e) => e.status)}::text[], ${col((e) => e.error)}::text[],
      ${col((e) => e.secretCipher)}::text[], ${col((e) => e.connectionLivemode)}::boolean[], ${PROCESS_STRIPE_EVENT_TASK}::text,
      ${ids.map(processJobKey)}::text[], ${ids.map((eventRowId) => JSON.stringify({ eventRowId }))}::json[]
    )`.execute(db);

  const results: StoreResult[] = rows.map((r) => {
    if (!r.connected) return { kind: "stale" };
    if (r.inserted_id) return { kind: "inserted", id: r.inserted_id, status: r.inserted_status! };
    return { kind: "duplicate", id: r.existing_id ?? "", status: r.existing_status ?? "pending" };
  });
  // A duplicate of a row another transaction committed while this statement waited on it is not in
  // the statement's snapshot: read those now.
  const unseen = rows
    .filter((r) => r.connected && !r.inserted_id && !r.existing_id)
    .map((r) => unique[r.ord - 1]);
  if (unseen.length > 0) {
    const found = await db
      .selectFrom("stripe_events")
      .select(["id", "brand_id", "stripe_event_id", "status"])
      .where((eb) =>
        eb.or(
          unseen.map((e) =>
            eb.and([eb("brand_id", "=", e.brandId), eb("stripe_event_id", "=", e.stripeEventId)]),
          ),
        ),
      )
      .execute();
    for (const f of found) {
      const i = firstIndex.get(`${f.brand_id}\u0000${f.stripe_event_id}`)!;
      results[i] = { kind: "duplicate", id: f.id, status: f.status };
    }
    if (results.some((r) => r.kind === "duplicate" && r.id === ""))
      throw new Error("stored event not found after a conflict");
  }
  return events.map((e) => {
    const at = firstIndex.get(keyOf(e))!;
    const r = results[at];
    // Later copies of an event in the same batch are duplicates of the first.
    if (unique[at] !== e && r.kind === "inserted") return { ...r, kind: "duplicate" };
    return r;
  });
}

export const eventWriter = writerPerKey(
  (db: DB) =>
    new GroupCommitWriter<EventWrite, StoreResult>((batch) => storeEvents(db, batch), {
      maxBatch: 200,
      // A batch carries at most ~4 MB of payload (one 1 MB event always fits).
      weight: (e) => e.payload.length,
      maxWeight: 4 * 1024 * 1024,
    }),
);

/** Group-commit statistics of this process's intake writer for `db` (tests, diagnostics). */
export function intakeWriterStats(db: DB) {
  return eventWriter(db).stats;
}
