import { execFileSync } from 'child_process';
import { createHash, createHmac, randomUUID } from 'crypto';
import http from 'http';
import { AddressInfo } from 'net';
import path from 'path';
import type request from 'supertest';

/**
 * GitHub's compare API (`GET /repos/:owner/:repo/compare/:base...:head`)
 * over real HTTP, answered from the bare repositories under `root` by
 * `git diff --name-only` (as GitHub does, since the merge base). Any other
 * request gets GitHub's 404. Requests are recorded with their
 * Authorization header.
 */
export type FakeCompareApi = {
  /** For `integrations.github[].apiBaseUrl`. */
  apiBaseUrl: string;
  requests: Array<{ method: string; path: string; authorization?: string }>;
  close(): Promise<void>;
};

export async function startFakeCompareApi(
  root: string,
): Promise<FakeCompareApi> {
  const requests: FakeCompareApi['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      authorization: req.headers.authorization,
    });
    req.resume();
    const m = /^\/repos\/([\w.-]+)\/([\w.-]+)\/compare\/(.+)$/.exec(
      url.pathname,
    );
    const json = (status: number, body: unknown) =>
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify(body));
    if (req.method !== 'GET' || !m) {
      json(404, { message: 'Not Found' });
      return;
    }
    const [base, head] = decodeURIComponent(m[3]).split('...');
    try {
      const files = execFileSync(
        'git',
        ['diff', '--name-only', `${base}...${head}`],
        { cwd: path.join(root, m[1], `${m[2]}.git`), encoding: 'utf8' },
      )
        .split('\n')
        .filter(Boolean);
      json(200, {
        status: 'ahead',
        commits: [],
        files: files.map(filename => ({ filename, status: 'modified' })),
      });
    } catch {
      json(404, { message: 'Not Found' });
    }
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    apiBaseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** GitHub's `X-Hub-Signature-256` of a body. */
export const hubSignature = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/**
 * Posts a delivery to the events backend's GitHub endpoint as GitHub
 * does: JSON, the event and delivery id headers, signed with `secret`
 * (`signature: null` sends none).
 */
export function deliver(
  api: ReturnType<typeof request>,
  event: string,
  payload: object,
  opts: { secret: string; id?: string; signature?: string | null },
): request.Test {
  const body = JSON.stringify(payload);
  const signature =
    opts.signature === undefined
      ? hubSignature(opts.secret, body)
      : opts.signature;
  const req = api
    .post('/api/events/http/github')
    .set('content-type', 'application/json')
    .set('x-github-event', event)
    .set('x-github-delivery', opts.id ?? randomUUID());
  if (signature !== null) req.set('x-hub-signature-256', signature);
  return req.send(body);
}

/** A repository as payloads name it, on a Git host at `origin`. */
export const repository = (origin: string, fullName: string) => ({
  id: parseInt(
    createHash('sha1').update(fullName).digest('hex').slice(0, 8),
    16,
  ),
  full_name: fullName,
  html_url: `${origin}/${fullName}`,
  clone_url: `${origin}/${fullName}.git`,
});

export const ZERO_SHA = '0'.repeat(40);

/** A `push` payload; `files` become one commit's modified files. */
export function pushPayload(o: {
  origin: string;
  repo: string;
  ref: string;
  before?: string;
  after: string;
  files?: string[];
  commits?: number;
  deleted?: boolean;
  created?: boolean;
}) {
  const commits = Array.from({ length: o.commits ?? 1 }, (_, i) => ({
    id: `${i}`.padStart(40, 'c'),
    added: [],
    modified: i === 0 ? o.files ?? ['index.html'] : [],
    removed: [],
  }));
  return {
    ref: o.ref,
    before: o.before ?? ZERO_SHA,
    after: o.after,
    created: o.created ?? false,
    deleted: o.deleted ?? false,
    forced: false,
    commits: o.deleted ? [] : commits,
    repository: repository(o.origin, o.repo),
    pusher: { name: 'octocat' },
    sender: { login: 'octocat' },
  };
}

/** A `pull_request` payload; `fork` puts the head in `<fork>/<name>`. */
export function pullRequestPayload(o: {
  origin: string;
  repo: string;
  action: string;
  number: number;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  fork?: string;
  sender?: string;
}) {
  const base = repository(o.origin, o.repo);
  const headRepo = o.fork
    ? repository(o.origin, `${o.fork}/${o.repo.split('/')[1]}`)
    : base;
  const owner = (full: string) => full.split('/')[0];
  return {
    action: o.action,
    number: o.number,
    pull_request: {
      number: o.number,
      state: o.action === 'closed' ? 'closed' : 'open',
      merged: false,
      head: {
        ...o.head,
        label: `${owner(headRepo.full_name)}:${o.head.ref}`,
        repo: { id: headRepo.id, full_name: headRepo.full_name },
      },
      base: {
        ...o.base,
        label: `${owner(base.full_name)}:${o.base.ref}`,
        repo: { id: base.id, full_name: base.full_name },
      },
    },
    repository: base,
    sender: { login: o.sender ?? 'octocat' },
  };
}
