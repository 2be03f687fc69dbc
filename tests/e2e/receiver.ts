import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** A local webhook receiver (127.0.0.1) that records every request; also serves a landing page. */
export interface Receiver {
  url: string;
  landingUrl: string;
  received: { id: string; type: string; body: string; headers: http.IncomingHttpHeaders }[];
  verify(secret: string): { id: string; type: string }[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Receiver["received"] = [];
  const server = http.createServer((req, res) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        "<!doctype html><html lang=en><title>Landing</title><h1>Brand landing page</h1></html>",
      );
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let type = "";
      try {
        type = (JSON.parse(body) as { type: string }).type;
      } catch {
        type = "invalid";
      }
      received.push({
        id: String(req.headers["webhook-id"] ?? ""),
        type,
        body,
        headers: req.headers,
      });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    landingUrl: `http://127.0.0.1:${port}/landing`,
    received,
    verify(secret: string) {
      const wh = new Webhook(secret);
      return received.map((r) => {
        wh.verify(r.body, {
          "webhook-id": String(r.headers["webhook-id"]),
          "webhook-timestamp": String(r.headers["webhook-timestamp"]),
          "webhook-signature": String(r.headers["webhook-signature"]),
        });
        return { id: r.id, type: r.type };
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
