import { readdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { flatRoutesUniversal } from "@remix-run/dev/dist/config/flat-routes.js";
import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import type { AppContext } from "../../app/context.server";

const APP_DIR = path.resolve(__dirname, "../../app");

/**
 * A real HTTP server running Remix's own request handler over the app's `api.v1.*` route files,
 * routed by Remix's flat-routes convention (the same rules the compiler applies), so tests
 * exercise URL matching, the splat route, `[.]` escapes, headers and status codes end to end.
 */
export async function startApiServer(
  context: AppContext,
  /** Which route files to serve (default: `api.v1.*`). Documents answer an empty body. */
  include: (file: string) => boolean = (f) => f.startsWith("api.v1."),
): Promise<{ url: string; close(): Promise<void> }> {
  const files = readdirSync(path.join(APP_DIR, "routes"))
    .filter((f) => include(f) && /\.tsx?$/.test(f))
    .map((f) => `routes/${f}`);
  const manifest = flatRoutesUniversal(
    APP_DIR,
    files.map((f) => path.join(APP_DIR, f)),
    "routes",
  );
  const routes: ServerBuild["routes"] = {
    root: { id: "root", path: "", module: { default: () => null } as never },
  };
  for (const route of Object.values(manifest)) {
    routes[route.id] = {
      id: route.id,
      parentId: route.parentId ?? "root",
      path: route.path,
      index: route.index,
      caseSensitive: route.caseSensitive,
      module: (await import(/* @vite-ignore */ path.join(APP_DIR, route.file))) as never,
    };
  }
  const build = {
    mode: "production",
    entry: {
      module: {
        // A document: the status and headers Remix computed (route `headers` exports), no HTML.
        default: (_request: Request, status: number, headers: Headers) =>
          new Response("document", { status, headers }),
      },
    },
    routes,
    assets: { entry: { imports: [], module: "" }, routes: {}, url: "", version: "test" },
    publicPath: "/build/",
    assetsBuildDirectory: "public/build",
    future: {
      v3_fetcherPersist: true,
      v3_relativeSplatPath: true,
      v3_throwAbortReason: true,
      v3_singleFetch: true,
      v3_lazyRouteDiscovery: true,
    },
    isSpaMode: false,
  } as unknown as ServerBuild;
  const handle = createRequestHandler(build, "production");

  const server = http.createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
        else if (v !== undefined) headers.set(k, v);
      }
      const method = req.method ?? "GET";
      const request = new Request(`http://${req.headers.host}${req.url}`, {
        method,
        headers,
        body:
          method === "GET" || method === "HEAD" || chunks.length === 0
            ? undefined
            : Buffer.concat(chunks),
      });
      const response = await handle(request, context as unknown as Parameters<typeof handle>[1]);
      res.statusCode = response.status;
      response.headers.forEach((value, key) => res.setHeader(key, value));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
