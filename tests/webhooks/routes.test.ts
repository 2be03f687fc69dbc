import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as endpointRoute from "../../app/routes/app.settings.webhooks_.$endpointId/route";
import * as listRoute from "../../app/routes/app.settings.webhooks";
import * as apiList from "../../app/routes/api.v1.webhook_endpoints";
import * as apiItem from "../../app/routes/api.v1.webhook_endpoints.$id";
import { apiCall, createBrandWithKey } from "../api/helpers";
import { getRequest, postForm } from "../helpers/context";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { body, brandWithOwner, run } from "../portal/fixtures";
import { Webhook } from "standardwebhooks";

type ListData = Awaited<ReturnType<typeof listRoute.loader>>;
type EndpointData = Awaited<ReturnType<typeof endpointRoute.loader>>;

describe("Settings → Webhooks routes", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  const create = (
    jar: Parameters<typeof postForm>[2],
    fields: Record<string, string>,
    events: string[],
  ) => {
    const req = postForm("/app/settings/webhooks", { intent: "create", ...fields }, jar);
    return req.formData().then((fd) => {
      for (const e of events) fd.append("eventTypes", e);
      return new Request(req.url, {
        method: "POST",
        body: new URLSearchParams(fd as never),
        headers: req.headers,
      });
    });
  };

  it("creates an endpoint, shows the secret once, and lists it without the secret", async () => {
    const owner = await brandWithOwner(t.db, "Hooks");
    const empty = await run(
      listRoute.loader as never,
      t.db,
      getRequest("/app/settings/webhooks", owner.jar),
    );
    expect(body<ListData>(empty).endpoints).toEqual([]);

    const created = await run(
      listRoute.action as never,
      t.db,
      await create(owner.jar, { url: "https://hooks.example.com/rekomi", description: "CRM" }, [
        "conversion.created",
        "conversion.refunded",
      ]),
    );
    expect(created.status).toBe(200);
    const out = body<{ ok: true; created: { id: string; secret: string } }>(created);
    expect(out.created.secret).toMatch(/^whsec_/);
    expect(() => new Webhook(out.created.secret)).not.toThrow();

    const list = await run(
      listRoute.loader as never,
      t.db,
      getRequest("/app/settings/webhooks", owner.jar),
    );
    const endpoints = body<ListData>(list).endpoints;
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]).toMatchObject({
      url: "https://hooks.example.com/rekomi",
      eventTypes: ["conversion.created", "conversion.refunded"],
      enabled: true,
    });
    expect(JSON.stringify(endpoints)).not.toContain("whsec_");
  });

  it("answers field errors and writes nothing for a private URL or no events", async () => {
    const owner = await brandWithOwner(t.db, "Bad");
    for (const url of [
      "http://169.254.169.254/latest",
      "http://2130706433/",
      "http://0177.0.0.1/",
      "ftp://x.example.com",
    ]) {
      const res = await run(
        listRoute.action as never,
        t.db,
        await create(owner.jar, { url }, ["conversion.created"]),
      );
      expect(res.status).toBe(400);
      expect(body<{ fieldErrors: { url?: string } }>(res).fieldErrors.url).toBeTruthy();
    }
    const noEvents = await run(
      listRoute.action as never,
      t.db,
      await create(owner.jar, { url: "https://ok.example.com/" }, []),
    );
    expect(noEvents.status).toBe(400);
    expect(body<{ fieldErrors: { eventTypes?: string } }>(noEvents).fieldErrors.eventTypes).toMatch(
      /at least one event/,
    );
    const count = await t.db
      .selectFrom("webhook_endpoints")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("brand_id", "=", owner.brandId)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it("edits, disables, enables, rotates, sends a test, resends and deletes; other brands get 404", async () => {
    const owner = await brandWithOwner(t.db, "Manage");
    const created = await run(
      listRoute.action as never,
      t.db,
      await create(owner.jar, { url: "https://a.example.com/h" }, ["conversion.created"]),
    );
    const id = body<{ created: { id: string } }>(created).created.id;
    const path = `/app/settings/webhooks/${id}`;
    const post = (fields: Record<string, string>) =>
      run(endpointRoute.action as never, t.db, postForm(path, fields, owner.jar), {
        endpointId: id,
      });

    const edit = await run(
      endpointRoute.action as never,
      t.db,
      await (async () => {
        const req = postForm(
          path,
          { intent: "update", url: "https://b.example.com/h", description: "new" },
          owner.jar,
        );
        const fd = await req.formData();
        fd.append("eventTypes", "conversion.updated");
        return new Request(req.url, {
          method: "POST",
          body: new URLSearchParams(fd as never),
          headers: req.headers,
        });
      })(),
      { endpointId: id },
    );
    expect(edit.status).toBe(200);
    const badEdit = await post({
      intent: "update",
      url: "http://[::1]/",
      eventTypes: "conversion.created",
    });
    expect(badEdit.status).toBe(400);

    expect((await post({ intent: "disable" })).status).toBe(200);
    let page = body<EndpointData>(
      await run(endpointRoute.loader as never, t.db, getRequest(path, owner.jar), {
        endpointId: id,
      }),
    );
    expect(page.endpoint).toMatchObject({
      url: "https://b.example.com/h",
      eventTypes: ["conversion.updated"],
      enabled: false,
    });
    expect(page.endpoint.disabledReason).toBeTruthy();
    const refusedTest = await post({ intent: "test" });
    expect(refusedTest.status).toBe(409);
    expect((await post({ intent: "enable" })).status).toBe(200);

    const rotated = body<{ secret: string }>(await post({ intent: "rotate" }));
    expect(rotated.secret).toMatch(/^whsec_/);
    const test = body<{ ok: boolean; message: string }>(await post({ intent: "test" }));
    expect(test.ok).toBe(true);
    page = body<EndpointData>(
      await run(endpointRoute.loader as never, t.db, getRequest(path, owner.jar), {
        endpointId: id,
      }),
    );
    expect(page.endpoint.rotationEndsAt).toBeTruthy();
    expect(page.deliveries).toHaveLength(1);
    expect(page.deliveries[0]).toMatchObject({ eventType: "webhook.test", status: "pending" });
    const resend = body<{ ok: boolean }>(
      await post({ intent: "resend", messageId: page.deliveries[0].messageId }),
    );
    expect(resend.ok).toBe(true);

    const intruder = await brandWithOwner(t.db, "Intruder");
    const foreign = await run(endpointRoute.loader as never, t.db, getRequest(path, intruder.jar), {
      endpointId: id,
    });
    expect(foreign.status).toBe(404);
    const foreignDelete = await run(
      endpointRoute.action as never,
      t.db,
      postForm(path, { intent: "delete" }, intruder.jar),
      { endpointId: id },
    );
    expect(foreignDelete.status).toBe(404);

    const del = await post({ intent: "delete" });
    expect(del.status).toBe(302);
    expect(del.location).toBe("/app/settings/webhooks");
    expect(
      (
        await run(endpointRoute.loader as never, t.db, getRequest(path, owner.jar), {
          endpointId: id,
        })
      ).status,
    ).toBe(404);
  });

  it("refuses a POST without the CSRF token", async () => {
    const owner = await brandWithOwner(t.db, "Csrf");
    const res = await run(
      listRoute.action as never,
      t.db,
      postForm(
        "/app/settings/webhooks",
        { intent: "create", url: "https://x.example.com" },
        owner.jar,
        { csrf: null },
      ),
    );
    expect(res.status).toBe(403);
  });
});

describe("/api/v1/webhook_endpoints", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it("creates (secret only in the create response), lists and deletes; scoped to the key's brand", async () => {
    const a = await createBrandWithKey(t.db, "A");
    const b = await createBrandWithKey(t.db, "B");
    const created = await apiCall(apiList, t.db, {
      method: "POST",
      path: "/api/v1/webhook_endpoints",
      key: a.key,
      body: { url: "https://hooks.example.com/a", events: ["conversion.created"] },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      url: "https://hooks.example.com/a",
      events: ["conversion.created"],
      enabled: true,
    });
    expect(created.json.secret).toMatch(/^whsec_/);

    const defaults = await apiCall(apiList, t.db, {
      method: "POST",
      path: "/api/v1/webhook_endpoints",
      key: a.key,
      body: { url: "https://hooks.example.com/b", enabled: false },
    });
    expect(defaults.json).toMatchObject({
      events: ["conversion.created", "conversion.refunded", "conversion.updated"],
      enabled: false,
    });

    const list = await apiCall(apiList, t.db, { path: "/api/v1/webhook_endpoints", key: a.key });
    expect(list.status).toBe(200);
    expect(list.json.data).toHaveLength(2);
    expect(list.text).not.toContain("whsec_");
    expect(
      (await apiCall(apiList, t.db, { path: "/api/v1/webhook_endpoints", key: b.key })).json.data,
    ).toHaveLength(0);

    const bad = await apiCall(apiList, t.db, {
      method: "POST",
      path: "/api/v1/webhook_endpoints",
      key: a.key,
      body: { url: "http://10.0.0.1/" },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ type: "invalid_request", param: "url" });

    const foreign = await apiCall(apiItem, t.db, {
      method: "DELETE",
      path: `/api/v1/webhook_endpoints/${created.json.id}`,
      key: b.key,
      params: { id: created.json.id },
    });
    expect(foreign.status).toBe(404);
    const del = await apiCall(apiItem, t.db, {
      method: "DELETE",
      path: `/api/v1/webhook_endpoints/${created.json.id}`,
      key: a.key,
      params: { id: created.json.id },
    });
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ id: created.json.id, deleted: true });
  });
});
