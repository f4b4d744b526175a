/**
 * Test helpers of the build program: real git repositories and a real HTTP
 * server speaking the backend's side of the build protocol.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ShippedLine } from '../protocol.ts';

export const TOKEN = 'sekret-build-token-0123456789';

/** A spec with nothing configured: detection decides the commands. */
export const baseSpec = {
  ref: 'main',
  rootDirectory: '',
  installCommand: null,
  buildCommand: null,
  outputDirectory: null,
  timeoutSeconds: 60,
  env: {},
};

export function git(cwd: string, ...args: string[]) {
  return execFileSync(
    'git',
    ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args],
    {
      cwd,
      encoding: 'utf8',
    },
  ).trim();
}

export function repoWith(buildJs: string, extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'novahost-br-repo-'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'x',
      private: true,
      scripts: { build: 'node build.js' },
    }),
  );
  writeFileSync(join(dir, 'build.js'), buildJs);
  for (const [k, v] of Object.entries(extra)) writeFileSync(join(dir, k), v);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'init');
  return dir;
}

/** A real HTTP server speaking the backend's side of the build protocol. */
export async function fakeBackend(spec: object, known: string[] = []) {
  const state = {
    lines: [] as ShippedLine[],
    events: [] as any[],
    manifest: undefined as
      | undefined
      | Record<string, { hash: string; size: number }>,
    uploads: new Map<string, Buffer>(),
    finalized: false,
    unauthorized: 0,
  };
  let base = '';
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      state.unauthorized++;
      res.writeHead(401).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url!.replace('/api/novahost/internal/builds/d1', '');
      const json = (v: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      if (path === '/spec') return json({ deploymentId: 'd1', ...spec });
      if (path === '/logs') {
        state.lines.push(...JSON.parse(body.toString()).lines);
        return res.writeHead(204).end();
      }
      if (path === '/events') {
        state.events.push(JSON.parse(body.toString()));
        return res.writeHead(204).end();
      }
      if (path === '/manifest') {
        state.manifest = JSON.parse(body.toString()).files;
        const hashes = new Set(Object.values(state.manifest!).map(f => f.hash));
        return json({
          missing: [...hashes]
            .filter(h => !known.includes(h))
            .map(hash => ({
              hash,
              method: 'PUT',
              url: `${base}/blobs/${hash}`,
            })),
        });
      }
      if (path.startsWith('/blobs/')) {
        state.uploads.set(path.slice('/blobs/'.length), body);
        return res.writeHead(204).end();
      }
      if (path === '/finalize') {
        state.finalized = true;
        return json({ status: 'ready', url: 'http://x-d1.localhost' });
      }
      return res.writeHead(404).end();
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const api = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }/api/novahost`;
  base = `${api}/internal/builds/d1`;
  return { api, state, close: () => new Promise(r => server.close(r)) };
}
