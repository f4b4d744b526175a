import http from 'node:http';
import { AddressInfo } from 'node:net';
import portal from './recorded/novahost-portal.json';
import proxy from './recorded/novahost-proxy.json';
import builds from './recorded/novahost-builds.json';

/** Applications recorded from an ArgoCD v2.13 API server. */
export const RECORDED = {
  /** Synced and Healthy, two history entries. */
  'novahost-portal': portal,
  /** OutOfSync (a ConfigMap and a Deployment differ from git), Healthy. */
  'novahost-proxy': proxy,
  /** Degraded with a message, a SyncError condition, last sync Failed. */
  'novahost-builds': builds,
} as const;

export type RecordedRequest = {
  method: string;
  path: string;
  authorization?: string;
  body?: unknown;
};

function grpcError(
  res: http.ServerResponse,
  status: number,
  code: number,
  message: string,
) {
  // The gRPC-gateway error body ArgoCD answers with.
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: message, code, message }));
}

/**
 * A small ArgoCD API server: GET /api/v1/applications (?name=), GET
 * /api/v1/applications/{name} (?refresh=), POST .../{name}/sync, POST
 * /api/v1/session. It checks the bearer token, answers the recorded
 * Applications and ArgoCD's real error shapes, and records every request.
 * A sync puts the app into a Running operation; a second sync while it runs
 * is refused like ArgoCD does.
 */
export async function startFakeArgoCD(options: {
  token: string;
  account?: { username: string; password: string };
}) {
  const apps = new Map<string, any>(
    Object.entries(RECORDED).map(([k, v]) => [k, structuredClone(v)]),
  );
  const sessions = new Set<string>();
  const requests: RecordedRequest[] = [];

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://argocd');
    const body = raw ? JSON.parse(raw) : undefined;
    requests.push({
      method: req.method ?? '',
      path: `${url.pathname}${url.search}`,
      authorization: req.headers.authorization,
      body,
    });

    if (req.method === 'POST' && url.pathname === '/api/v1/session') {
      const a = options.account;
      if (a && body?.username === a.username && body?.password === a.password) {
        const token = `session-${sessions.size + 1}`;
        sessions.add(token);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token }));
        return;
      }
      grpcError(res, 401, 16, 'Invalid username or password');
      return;
    }

    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    if (!bearer || (bearer !== options.token && !sessions.has(bearer))) {
      grpcError(res, 401, 16, 'no session information');
      return;
    }

    if (req.method === 'GET' && url.pathname === '/api/v1/applications') {
      const name = url.searchParams.get('name');
      const items = [...apps.values()].filter(
        a => !name || a.metadata.name === name,
      );
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ metadata: { resourceVersion: '48214410' }, items }),
      );
      return;
    }

    const m = url.pathname.match(/^\/api\/v1\/applications\/([^/]+)(\/sync)?$/);
    if (!m) {
      grpcError(res, 404, 5, 'Not Found');
      return;
    }
    const app = apps.get(decodeURIComponent(m[1]));
    if (!app) {
      grpcError(res, 404, 5, `applications.argoproj.io "${m[1]}" not found`);
      return;
    }
    if (req.method === 'POST' && m[2]) {
      if (app.status.operationState?.phase === 'Running') {
        grpcError(res, 400, 9, 'another operation is already in progress');
        return;
      }
      app.operation = {
        sync: { revision: app.spec.source.targetRevision, prune: body?.prune },
        initiatedBy: { username: 'admin' },
      };
      app.status.operationState = {
        operation: app.operation,
        phase: 'Running',
        message: '',
        startedAt: new Date().toISOString(),
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(app));
      return;
    }
    if (req.method === 'GET' && !m[2]) {
      if (url.searchParams.get('refresh')) {
        app.status.reconciledAt = new Date().toISOString();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(app));
      return;
    }
    grpcError(res, 405, 12, 'Method Not Allowed');
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    apps,
    close: () =>
      new Promise<void>(r => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A URL on which nothing listens: an ArgoCD instance that is down. */
export async function unreachableUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>(r => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}
