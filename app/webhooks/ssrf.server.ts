import http from "node:http";
import https from "node:https";
import dns from "node:dns";
import net from "node:net";
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from "request-filtering-agent";

/**
 * SSRF guard for outbound webhooks, in two layers:
 *
 * 1. At save time, `checkWebhookUrl` refuses anything that is not a plain http(s) URL to a public
 *    host: credentials in the URL, `localhost`, and literal addresses in any private or reserved
 *    range. The WHATWG URL parser first canonicalises integer/octal/hex IPv4 forms
 *    (`http://2130706433/`, `http://0177.0.0.1/`, `http://0x7f.1/` all become 127.0.0.1), so the
 *    check sees the address the request would really go to.
 * 2. At connect time, `webhookAgent` (request-filtering-agent) checks the address DNS actually
 *    resolved to, for every connection, so a host name that later resolves to a private address
 *    (DNS rebinding) is refused too.
 *
 * `ALLOW_PRIVATE_WEBHOOK_URLS=1` (config.allowPrivateWebhookUrls) lifts both, for dev and tests.
 */

/** Non-public IPv4 ranges (RFC 6890 special-purpose registry and friends). */
export const BLOCKED_IPV4_CIDRS = [
  "0.0.0.0/8", // "this network", incl. 0.0.0.0
  "10.0.0.0/8", // RFC 1918
  "100.64.0.0/10", // CGNAT (RFC 6598)
  "127.0.0.0/8", // loopback
  "169.254.0.0/16", // link-local, incl. the cloud metadata address 169.254.169.254
  "172.16.0.0/12", // RFC 1918
  "192.0.0.0/24", // IETF protocol assignments
  "192.0.2.0/24", // TEST-NET-1
  "192.88.99.0/24", // 6to4 relay anycast
  "192.168.0.0/16", // RFC 1918
  "198.18.0.0/15", // benchmarking
  "198.51.100.0/24", // TEST-NET-2
  "203.0.113.0/24", // TEST-NET-3
  "224.0.0.0/4", // multicast
  "240.0.0.0/4", // reserved, incl. broadcast
] as const;

/** Non-public IPv6 ranges. IPv4-mapped/-compatible/NAT64 forms are checked via the embedded IPv4. */
export const BLOCKED_IPV6_CIDRS = [
  "::/128", // unspecified
  "::1/128", // loopback
  "100::/64", // discard-only
  "2001::/23", // IETF protocol assignments (Teredo, ORCHID, ...)
  "2001:db8::/32", // documentation
  "2002::/16", // 6to4 (embeds an IPv4 address)
  "fc00::/7", // unique local (ULA)
  "fe80::/10", // link-local
  "fec0::/10", // site-local (deprecated)
  "ff00::/8", // multicast
] as const;

function blockList(cidrs: readonly string[], type: "ipv4" | "ipv6"): net.BlockList {
  const list = new net.BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split("/");
    list.addSubnet(address, Number(prefix), type);
  }
  return list;
}
const V4 = blockList(BLOCKED_IPV4_CIDRS, "ipv4");
const V6 = blockList(BLOCKED_IPV6_CIDRS, "ipv6");

/** Expand an IPv6 literal into its 8 16-bit groups (handles `::` and a trailing dotted IPv4). */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const parts = dotted[1].split(".").map(Number);
    const hex = `${((parts[0] << 8) | parts[1]).toString(16)}:${((parts[2] << 8) | parts[3]).toString(16)}`;
    text = text.slice(0, dotted.index) + hex;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  const out = groups.map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
  return out.some(Number.isNaN) ? null : out;
}

function embeddedIpv4(groups: number[]): string | null {
  const top = groups.slice(0, 5).every((g) => g === 0);
  const mapped = top && groups[5] === 0xffff; // ::ffff:a.b.c.d
  const compatible = top && groups[5] === 0 && (groups[6] !== 0 || groups[7] > 1); // ::a.b.c.d
  const nat64 =
    groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !compatible && !nat64) return null;
  return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join(".");
}

/**
 * Why `address` (an IP literal) must not be called, or null when it is a public unicast address.
 * Anything that is not a valid IP literal is refused.
 */
export function blockedAddressReason(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, "");
  const kind = net.isIP(bare);
  if (kind === 4) {
    return V4.check(bare, "ipv4")
      ? `${bare} is a private, loopback, link-local or reserved address`
      : null;
  }
  if (kind === 6) {
    const groups = ipv6Groups(bare);
    if (!groups) return `${bare} is not a valid IPv6 address`;
    const v4 = embeddedIpv4(groups);
    if (v4 !== null) return `${bare} is an IPv4-mapped IPv6 address (${v4}), which is not allowed`;
    return V6.check(bare, "ipv6")
      ? `${bare} is a private, loopback, link-local or reserved address`
      : null;
  }
  return `${address} is not an IP address`;
}

export type UrlCheck = { ok: true; url: string } | { ok: false; message: string };

/** Save-time validation of an endpoint URL. Returns the normalised URL or a user-facing error. */
export function checkWebhookUrl(raw: string, opts: { allowPrivate: boolean }): UrlCheck {
  const input = raw.trim();
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return {
      ok: false,
      message: "Enter a full URL starting with https://, e.g. https://example.com/webhooks.",
    };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, message: "Only http:// and https:// URLs can receive webhooks." };
  }
  if (url.username !== "" || url.password !== "") {
    return {
      ok: false,
      message:
        "Remove the user name and password from the URL; verify requests with the signing secret instead.",
    };
  }
  if (url.hash !== "") url.hash = "";
  if (!opts.allowPrivate) {
    const host = url.hostname.replace(/\.$/, "").toLowerCase();
    const literal = host.startsWith("[") || net.isIP(host) !== 0;
    if (literal) {
      const reason = blockedAddressReason(host);
      if (reason) {
        return {
          ok: false,
          message: `This URL points to a non-public address: ${reason}. Use a public host.`,
        };
      }
    } else if (host === "localhost" || host.endsWith(".localhost") || !host.includes(".")) {
      return {
        ok: false,
        message: `“${host}” is not a public host name. Use a public, fully qualified host.`,
      };
    } else if (/^[0-9.]+$/.test(host) || /^0x[0-9a-f]+$/i.test(host)) {
      return { ok: false, message: "This URL's host looks like a malformed IP address." };
    }
  }
  return { ok: true, url: url.toString() };
}

const agents = new Map<string, http.Agent>();

/**
 * The agent for one delivery: request-filtering-agent refuses every resolved (or literal) address
 * that is not public unicast (ipaddr.js ranges: private, loopback, link-local, CGNAT, reserved,
 * IPv4-mapped, ULA, ...). `guardedLookup` below adds our own list on top for host names. With
 * `allowPrivate` a plain agent is used. No keep-alive: each attempt opens (and checks) a fresh
 * connection.
 */
export function webhookAgent(protocol: "http:" | "https:", allowPrivate: boolean): http.Agent {
  const key = `${protocol}${allowPrivate}`;
  let agent = agents.get(key);
  if (!agent) {
    if (allowPrivate) {
      agent =
        protocol === "https:"
          ? new https.Agent({ keepAlive: false })
          : new http.Agent({ keepAlive: false });
    } else {
      const options = {
        keepAlive: false,
        allowPrivateIPAddress: false,
        allowMetaIPAddress: false,
      };
      agent =
        protocol === "https:"
          ? new RequestFilteringHttpsAgent(options)
          : new RequestFilteringHttpAgent(options);
    }
    agents.set(key, agent);
  }
  return agent;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request that resolves with node:dns and refuses any answer in our own block
 * lists (a second opinion next to request-filtering-agent's, applied to the same resolved IPs).
 */
export function guardedLookup(
  hostname: string,
  options: dns.LookupOptions,
  callback: LookupCallback,
): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    for (const { address } of addresses) {
      const reason = blockedAddressReason(address);
      if (reason) {
        const error: NodeJS.ErrnoException = new Error(
          `Refused to connect to ${hostname}: ${reason}`,
        );
        error.code = "ESSRFBLOCKED";
        return callback(error, []);
      }
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    return callback(null, first.address, first.family);
  });
}
