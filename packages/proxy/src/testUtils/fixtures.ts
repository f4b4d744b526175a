/**
 * Test fixtures: a local artifact store written exactly as the backend
 * writes it, route table entries, and a fake backend serving the routes
 * event stream.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  blobKey,
  manifestKey,
  type RouteProject,
  type RouteTable,
} from '@internal/plugin-novahost-common';

export const sha256 = (b: string | Buffer) =>
  createHash('sha256').update(b).digest('hex');

/** A local artifact store in a fresh temp directory. */
export type TestStore = ReturnType<typeof createStore>;

export function createStore() {
  const dir = mkdtempSync(join(tmpdir(), 'novahost-proxy-store-'));
  return {
    dir,
    /** Writes a deployment (blobs + manifest) and returns its id. */
    deploy(files: Record<string, string | Buffer>, id = randomUUID()): string {
      const entries: Record<string, { hash: string; size: number }> = {};
      for (const [path, content] of Object.entries(files)) {
        const buf = Buffer.from(content);
        const hash = sha256(buf);
        const target = join(dir, blobKey(hash));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, buf);
        entries[path] = { hash, size: buf.length };
      }
      const target = join(dir, manifestKey(id));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(
        target,
        JSON.stringify({
          version: 1,
          deploymentId: id,
          createdAt: new Date().toISOString(),
          files: entries,
        }),
      );
      return id;
    },
  };
}

export function project(
  slug: string,
  production: string | null,
  deployments: Array<{ id: string; shortId: string }> = [],
  spa = false,
): RouteProject {
  return {
    id: randomUUID(),
    slug,
    spa,
    productionDeploymentId: production,
    deployments,
  };
}

export type FakeBackend = Awaited<ReturnType<typeof startFakeBackend>>;

/** A stand-in for the backend's `/routes/events` endpoint, on a fresh port. */
export async function startFakeBackend(
  token: string,
  initial: RouteTable,
  listenPort = 0,
) {
  let table = initial;
  const streams = new Set<ServerResponse>();
  const send = (res: ServerResponse) =>
    res.write(`event: routes\ndata: ${JSON.stringify(table)}\n\n`);
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end();
      return;
    }
    if (req.url !== '/api/novahost/routes/events') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    streams.add(res);
    res.on('close', () => streams.delete(res));
    send(res);
  });
  await new Promise<void>(r => server.listen(listenPort, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/novahost`,
    port,
    get connections() {
      return streams.size;
    },
    publish(next: RouteTable) {
      table = next;
      for (const res of streams) send(res);
    },
    /** Stops the server; again is a no-op. */
    async stop() {
      if (!server.listening) return;
      for (const res of streams) res.destroy();
      server.closeAllConnections();
      await new Promise<void>(r => server.close(() => r()));
    },
  };
}

/** Retries `check` until it passes, or throws its last error after `ms`. */
export async function eventually(check: () => void | Promise<void>, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise(r => setTimeout(r, 25));
    }
  }
}
