/**
 * The sandbox's only way out: an HTTP(S) proxy on a unix socket that the
 * sandbox sees bind-mounted (its network namespace has only its own
 * loopback). Inside, egressForwarder.mjs relays TCP connections to
 * 127.0.0.1:{@link EGRESS_PORT} to the socket. The proxy runs here, in the
 * trusted program: it serves CONNECT (https, git, npm) and plain-HTTP
 * requests, resolves each target itself and refuses any destination that
 * is not public (the host's loopback with the backend, private networks,
 * cloud metadata) unless the operator allow-listed its host:port. It
 * connects to the address it checked, never to a fresh resolution.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The proxy's port on the sandbox's own loopback. */
export const EGRESS_PORT = 3128;

type Range = { bytes: number[]; bits: number; reason: string };

const v4 = (a: string, bits: number, reason: string): Range => ({
  bytes: a.split('.').map(Number),
  bits,
  reason,
});

/** IPv4 destinations a build may not reach, with why. */
const V4_REFUSED: Range[] = [
  v4('0.0.0.0', 8, 'unspecified'),
  v4('10.0.0.0', 8, 'private'),
  v4('100.64.0.0', 10, 'carrier-grade NAT'),
  v4('127.0.0.0', 8, 'loopback'),
  v4('169.254.0.0', 16, 'link-local'),
  v4('172.16.0.0', 12, 'private'),
  v4('192.0.0.0', 24, 'reserved'),
  v4('192.168.0.0', 16, 'private'),
  v4('198.18.0.0', 15, 'reserved'),
  v4('224.0.0.0', 4, 'multicast'),
  v4('240.0.0.0', 4, 'reserved'),
];

/** IPv6 ones (IPv4-mapped and NAT64 addresses are checked as IPv4). */
const V6_REFUSED: Range[] = [
  { bytes: [], bits: 128, reason: 'unspecified' },
  { bytes: [...Array(15).fill(0), 1], bits: 128, reason: 'loopback' },
  { bytes: [], bits: 96, reason: 'reserved' }, // IPv4-compatible
  { bytes: [0, 0x64, 0xff, 0x9b, 0, 1], bits: 48, reason: 'private' },
  { bytes: [0xfc], bits: 7, reason: 'unique-local' },
  { bytes: [0xfe, 0x80], bits: 10, reason: 'link-local' },
  { bytes: [0xfe, 0xc0], bits: 10, reason: 'site-local' },
  { bytes: [0xff], bits: 8, reason: 'multicast' },
];

function inRange(bytes: number[], range: Range): boolean {
  for (let bit = 0; bit < range.bits; bit += 8) {
    const left = Math.min(8, range.bits - bit);
    const mask = (0xff << (8 - left)) & 0xff;
    const i = bit / 8;
    if ((bytes[i] & mask) !== ((range.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** The 16 bytes of an IPv6 address (zone dropped), or undefined. */
function v6Bytes(address: string): number[] | undefined {
  let text = address.split('%')[0];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const b = dotted[1].split('.').map(Number);
    const hex = (n: number) => n.toString(16);
    text = `${text.slice(0, -dotted[1].length)}${hex((b[0] << 8) | b[1])}:${hex(
      (b[2] << 8) | b[3],
    )}`;
  }
  const parse = (s: string) =>
    s ? s.split(':').map(h => parseInt(h, 16)) : [];
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const a = parse(halves[0]);
  const z = halves.length === 2 ? parse(halves[1]) : [];
  const words =
    halves.length === 2
      ? [...a, ...Array(Math.max(0, 8 - a.length - z.length)).fill(0), ...z]
      : a;
  if (words.length !== 8 || words.some(w => !(w >= 0 && w <= 0xffff))) {
    return undefined;
  }
  return words.flatMap(w => [w >> 8, w & 0xff]);
}

/**
 * Why a build may not reach `address` (an IP address), or undefined when
 * it is public. IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96)
 * addresses are judged by the IPv4 address they carry.
 */
export function refusedAddress(address: string): string | undefined {
  if (net.isIPv4(address)) {
    const bytes = address.split('.').map(Number);
    return V4_REFUSED.find(r => inRange(bytes, r))?.reason;
  }
  const bytes = net.isIPv6(address) ? v6Bytes(address) : undefined;
  if (!bytes) return 'not an IP address';
  const embedded =
    inRange(bytes, {
      bytes: [...Array(10).fill(0), 0xff, 0xff],
      bits: 96,
      reason: '',
    }) ||
    inRange(bytes, { bytes: [0, 0x64, 0xff, 0x9b], bits: 96, reason: '' });
  if (embedded) return refusedAddress(bytes.slice(12).join('.'));
  return V6_REFUSED.find(r => inRange(bytes, r))?.reason;
}

/** `host:port` or `[v6]:port`, lower-cased; undefined when it is neither. */
export function parseHostPort(
  text: string,
): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/@]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2]).toLowerCase(), port };
}

const key = (host: string, port: number) =>
  `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** The allow list as keys; throws on an entry that is not host:port. */
export function parseAllowList(entries: string[]): Set<string> {
  const keys = new Set<string>();
  for (const entry of entries) {
    const parsed = parseHostPort(entry.trim());
    if (!parsed) {
      throw new Error(
        `egress allow list: '${entry}' is not host:port (IPv6 as [addr]:port)`,
      );
    }
    keys.add(key(parsed.host, parsed.port));
  }
  return keys;
}

export type Lookup = (host: string) => Promise<string[]>;

const systemLookup: Lookup = async host =>
  (await dnsLookup(host, { all: true, verbatim: true })).map(a => a.address);

export type Destination =
  | { ok: true; addresses: string[] }
  | { ok: false; reason: string };

/**
 * Whether a build may connect to host:port, and the addresses to connect
 * to: every address the name resolves to must be public or allow-listed
 * (as address:port), or the name itself allow-listed as host:port.
 */
export async function checkDestination(
  host: string,
  port: number,
  allow: Set<string>,
  lookup: Lookup = systemLookup,
): Promise<Destination> {
  const name = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  let addresses: string[];
  try {
    addresses = net.isIP(name) ? [name] : await lookup(name);
  } catch (e) {
    return { ok: false, reason: `cannot resolve (${(e as any)?.code ?? e})` };
  }
  if (addresses.length === 0) return { ok: false, reason: 'cannot resolve' };
  if (allow.has(key(name, port))) return { ok: true, addresses };
  for (const address of addresses) {
    if (allow.has(key(address, port))) continue;
    const why = refusedAddress(address);
    if (why) {
      return {
        ok: false,
        reason: address === name ? why : `${name} is ${address} (${why})`,
      };
    }
  }
  return { ok: true, addresses };
}

export interface EgressProxyOptions {
  /** host:port entries a build may reach although they are not public. */
  allow: string[];
  /** Called once per refused destination with the build log line. */
  onRefused: (line: string) => void;
  lookup?: Lookup;
}

export interface EgressProxy {
  /** The unix socket to bind into the sandbox. */
  socket: string;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 30_000;
/** Distinct refusals logged per command. */
const MAX_LOGGED = 100;

/** Connects to the first of `addresses` that answers. */
async function connectTo(
  addresses: string[],
  port: number,
): Promise<net.Socket> {
  let last: unknown;
  for (const host of addresses) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host, port, timeout: CONNECT_TIMEOUT_MS });
        s.once('connect', () => {
          s.setTimeout(0);
          resolve(s);
        });
        s.once('timeout', () => s.destroy(new Error('connect timed out')));
        s.once('error', reject);
      });
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

const HOP_BY_HOP =
  /^(connection|keep-alive|proxy-connection|proxy-authorization|proxy-authenticate|te|trailer|upgrade)$/i;

/** Starts the proxy on a new unix socket in a private directory. */
export async function startEgressProxy(
  options: EgressProxyOptions,
): Promise<EgressProxy> {
  const allow = parseAllowList(options.allow);
  const logged = new Set<string>();
  const sockets = new Set<net.Socket>();
  const refuse = (host: string, port: number, reason: string) => {
    const line = `egress to ${key(host, port)} refused: ${reason}`;
    if (!logged.has(line) && logged.size <= MAX_LOGGED) {
      logged.add(line);
      options.onRefused(
        logged.size > MAX_LOGGED
          ? `more than ${MAX_LOGGED} destinations refused: no more are logged`
          : line,
      );
    }
    return line;
  };
  const check = (host: string, port: number) =>
    checkDestination(host, port, allow, options.lookup);

  const server = http.createServer(async (req, res) => {
    let url: URL | undefined;
    try {
      url = new URL(req.url ?? '');
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('novahost egress: only http:// URLs and CONNECT\n');
      return;
    }
    const port = Number(url.port || 80);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const dest = await check(host, port);
    if (!dest.ok) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end(`${refuse(host, port, dest.reason)}\n`);
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.test(name)) headers[name] = value;
    }
    const upstream = http.request({
      host: dest.addresses[0],
      port,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers,
      setHost: false,
      agent: false,
    });
    upstream.on('response', up => {
      const out: string[] = [];
      for (let i = 0; i < up.rawHeaders.length; i += 2) {
        if (!HOP_BY_HOP.test(up.rawHeaders[i])) {
          out.push(up.rawHeaders[i], up.rawHeaders[i + 1]);
        }
      }
      res.writeHead(up.statusCode ?? 502, out);
      up.pipe(res);
    });
    upstream.on('error', e => {
      if (!res.headersSent)
        res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`novahost egress: ${e.message}\n`);
    });
    req.pipe(upstream);
  });

  server.on('connect', async (req, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = parseHostPort(req.url ?? '');
    const answer = (status: string, text: string) =>
      client.end(
        `HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${text}\n`,
      );
    if (!target) {
      answer('400 Bad Request', 'novahost egress: CONNECT host:port');
      return;
    }
    const dest = await check(target.host, target.port);
    if (!dest.ok) {
      answer('403 Forbidden', refuse(target.host, target.port, dest.reason));
      return;
    }
    let upstream: net.Socket;
    try {
      upstream = await connectTo(dest.addresses, target.port);
    } catch (e) {
      answer('502 Bad Gateway', `novahost egress: ${(e as Error).message}`);
      return;
    }
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    client.pipe(upstream).pipe(client);
  });
  server.on('connection', s => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const dir = mkdtempSync(join(tmpdir(), 'novahost-egress-'));
  const socket = join(dir, 'egress.sock');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  return {
    socket,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise(r => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
