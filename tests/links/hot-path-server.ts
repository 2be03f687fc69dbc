/**
 * Two real HTTP servers over the same express app, to check the hot-path listener
 * (app/http/hot-paths.server.ts) byte for byte against the Remix routes it stands in front of:
 *
 * - `hot`: server.ts's arrangement: `hotPathListener` in front of the app;
 * - `plain`: the app alone, which serves `/r/:code` and `/webhooks/stripe/:brandId` through the
 *   Remix route modules via @remix-run/express's own request/response conversion.
 *
 * The app has server.ts's compression and security-header middleware; every other request ends in
 * a recognisable fallback (`x-fallback: 1`), and `fellThrough` lists what reached the app.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
// Not re-exported from the package index; the adapter's own conversion, as `createRequestHandler` uses it.
import { createRemixRequest, sendRemixResponse } from "@remix-run/express/dist/server.js";
import compression from "compression";
import express from "express";
import type { AppContext } from "../../app/context.server";
import { hotPathListener } from "../../app/http/hot-paths.server";
import * as referralRoute from "../../app/routes/r.$code";
import * as webhookRoute from "../../app/routes/webhooks.stripe.$brandId";
import { securityHeaders } from "../../app/security-headers.server";

export interface HotPathServers {
  hot: string;
  plain: string;
  /** Requests (method + url) that reached the express app behind the hot-path listener or not. */
  fellThrough: string[];
  close(): Promise<void>;
}

export async function startHotPathServers(
  ctx: AppContext,
  hotCtx: AppContext = ctx,
): Promise<HotPathServers> {
  const fellThrough: string[] = [];
  const app = express();
  app.disable("x-powered-by");
  const compress = compression();
  app.use(compress);
  const security = securityHeaders({ appUrl: ctx.config.appUrl });
  app.use(security);
  app.use((req, _res, next) => {
    fellThrough.push(`${req.method} ${req.url}`);
    next();
  });
  const context = (req: express.Request): AppContext => ({
    ...ctx,
    clientIp: req.socket.remoteAddress ?? "unknown",
  });
  app.get("/r/:code", (req, res, next) => {
    const request = createRemixRequest(req, res);
    const args = {
      request,
      params: { code: req.params.code },
      context: context(req),
    } as unknown as LoaderFunctionArgs;
    referralRoute.loader(args).then((response) => sendRemixResponse(res, response), next);
  });
  app.all("/webhooks/stripe/:brandId", (req, res, next) => {
    const request = createRemixRequest(req, res);
    const args = { request, params: { brandId: req.params.brandId }, context: context(req) };
    const response =
      req.method === "GET" || req.method === "HEAD"
        ? Promise.resolve(webhookRoute.loader())
        : webhookRoute.action(args as unknown as ActionFunctionArgs);
    response.then((r) => sendRemixResponse(res, r), next);
  });
  app.use((_req, res) => {
    res.setHeader("x-fallback", "1");
    res.status(404).end("fallback");
  });

  const listen = async (listener: http.RequestListener) => {
    const server = http.createServer(listener);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return server;
  };
  const hot = await listen(
    hotPathListener(app, { db: hotCtx.db, config: hotCtx.config, compression: compress, security }),
  );
  const plain = await listen(app);
  const url = (s: http.Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return {
    hot: url(hot),
    plain: url(plain),
    fellThrough,
    async close() {
      for (const s of [hot, plain]) {
        s.closeAllConnections();
        await new Promise<void>((r) => s.close(() => r()));
      }
    },
  };
}

export interface RawResponse {
  status: number;
  /** Raw header lines in order, `Date` dropped. */
  headers: string[];
  body: Buffer;
}

/** One request on a fresh connection; the answer as sent (header order and case kept). */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer | AsyncIterable<Buffer>,
): Promise<RawResponse> {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method, path: path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const lines: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            if (!/^date$/i.test(res.rawHeaders[i]))
              lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
          }
          resolve({ status: res.statusCode ?? 0, headers: lines, body: Buffer.concat(chunks) });
        });
      },
    );
    req.on("error", reject);
    if (body === undefined || typeof body === "string" || Buffer.isBuffer(body)) {
      req.end(body);
    } else {
      void (async () => {
        try {
          for await (const chunk of body) {
            if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
          }
          req.end();
        } catch {
          req.destroy();
        }
      })();
    }
  });
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The response with click ids (the only per-request part of these answers) replaced. */
export function normalized(r: RawResponse): { status: number; headers: string[]; body: string } {
  return {
    status: r.status,
    headers: r.headers.map((h) => h.replace(UUID, "<uuid>")),
    body: r.body.toString("base64"),
  };
}
