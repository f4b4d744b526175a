import { readJson, sendJson, startJsonServer } from './jsonHttp';

/** A commit status as GitHub stored it. */
export type RecordedStatus = {
  owner: string;
  repo: string;
  sha: string;
  state: string;
  description?: string;
  target_url?: string;
  context?: string;
};

export type RecordedComment = {
  id: number;
  owner: string;
  repo: string;
  issue: number;
  body: string;
  /** How many times it was edited (PATCH). */
  edits: number;
};

/**
 * The part of GitHub's REST API Novahost reports to, over real HTTP at
 * `<origin>/api/v3` (a GitHub Enterprise layout): commit statuses and
 * issue comments (list with pagination, create, edit). Every request must
 * carry the token; it records what it stored and every request.
 */
export type FakeGithubRest = {
  /** For `integrations.github[].apiBaseUrl`. */
  apiBaseUrl: string;
  statuses: RecordedStatus[];
  /** Comments in creation order (deleted ones removed). */
  comments: RecordedComment[];
  /** Every request: `METHOD /path` (without /api/v3 and the query). */
  requests: string[];
  /** Requests without the token. */
  refused: number;
  /** Requests answered with an injected failure (see `fail`), with their bodies. */
  failed: Array<{ request: string; body: any }>;
  /** The next `count` requests (all when omitted) answer `status` (and `message`). */
  fail(status: number, count?: number, message?: string): void;
  /**
   * Holds requests whose `METHOD /path` contains `match` until released;
   * `reached` resolves when the first one arrives, `second` when another does.
   */
  hold(match: string): {
    reached: Promise<void>;
    second: Promise<void>;
    release(): void;
  };
  /** Answers normally again. */
  heal(): void;
  /** A comment someone else wrote (e.g. one quoting Novahost's marker). */
  addComment(owner: string, repo: string, issue: number, body: string): number;
  /** Deletes a comment, as a user might. */
  deleteComment(id: number): void;
  close(): Promise<void>;
};

export async function startFakeGithubRest(options: {
  token: string;
}): Promise<FakeGithubRest> {
  const state = {
    statuses: [] as RecordedStatus[],
    comments: [] as RecordedComment[],
    requests: [] as string[],
    refused: 0,
    failed: [] as FakeGithubRest['failed'],
    failing: undefined as
      | { status: number; count: number; message: string }
      | undefined,
    holds: [] as Array<{
      match: string;
      arrived: () => void;
      released: Promise<void>;
    }>,
  };
  let nextId = 1000;
  let origin = '';
  const apiComment = (c: RecordedComment) => ({
    id: c.id,
    body: c.body,
    html_url: `${origin}/${c.owner}/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
    user: { login: 'novahost[bot]' },
  });

  const server = await startJsonServer(async (req, res) => {
    const json = (
      status: number,
      body: unknown,
      headers: Record<string, string> = {},
    ) => sendJson(res, status, body, headers);
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/^\/api\/v3/, '');
    const method = req.method ?? 'GET';
    state.requests.push(`${method} ${path}`);
    const held = state.holds.find(h => `${method} ${path}`.includes(h.match));
    if (held) {
      held.arrived();
      await held.released;
    }
    const auth = req.headers.authorization ?? '';
    if (
      auth !== `token ${options.token}` &&
      auth !== `Bearer ${options.token}`
    ) {
      state.refused++;
      req.resume();
      json(401, { message: 'Bad credentials' });
      return;
    }
    if (state.failing && state.failing.count > 0) {
      state.failing.count--;
      const { status, message } = state.failing;
      state.failed.push({
        request: `${method} ${path}`,
        body: await readJson(req),
      });
      json(status, { message });
      return;
    }
    const body = method === 'GET' ? {} : await readJson(req);

    let m = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]{40})$/.exec(path);
    if (m && method === 'POST') {
      const status = { owner: m[1], repo: m[2], sha: m[3], ...body };
      state.statuses.push(status);
      json(201, { id: state.statuses.length, ...status });
      return;
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path);
    if (m) {
      const [owner, repo, issue] = [m[1], m[2], Number(m[3])];
      if (method === 'POST') {
        const c = {
          id: nextId++,
          owner,
          repo,
          issue,
          body: body.body,
          edits: 0,
        };
        state.comments.push(c);
        json(201, apiComment(c));
        return;
      }
      if (method === 'GET') {
        const all = state.comments.filter(
          c => c.owner === owner && c.repo === repo && c.issue === issue,
        );
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const next: Record<string, string> =
          page * perPage < all.length
            ? {
                Link: `<${origin}/api/v3${path}?per_page=${perPage}&page=${
                  page + 1
                }>; rel="next"`,
              }
            : {};
        json(
          200,
          all.slice((page - 1) * perPage, page * perPage).map(apiComment),
          next,
        );
        return;
      }
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(path);
    if (m && method === 'PATCH') {
      const c = state.comments.find(
        x => x.id === Number(m![3]) && x.owner === m![1] && x.repo === m![2],
      );
      if (!c) {
        json(404, { message: 'Not Found' });
        return;
      }
      c.body = body.body;
      c.edits++;
      json(200, apiComment(c));
      return;
    }
    json(404, { message: 'Not Found' });
  });
  origin = server.origin;
  return {
    apiBaseUrl: `${origin}/api/v3`,
    get statuses() {
      return state.statuses;
    },
    get comments() {
      return state.comments;
    },
    get requests() {
      return state.requests;
    },
    get refused() {
      return state.refused;
    },
    get failed() {
      return state.failed;
    },
    fail(status, count = Infinity, message = 'Failing on purpose') {
      state.failing = { status, count, message };
    },
    hold(match) {
      let first!: () => void;
      let next!: () => void;
      let release!: () => void;
      const reached = new Promise<void>(r => (first = r));
      const second = new Promise<void>(r => (next = r));
      const released = new Promise<void>(r => (release = r));
      let count = 0;
      const arrived = () => (++count === 1 ? first() : next());
      const h = { match, arrived, released };
      state.holds.push(h);
      return {
        reached,
        second,
        release() {
          state.holds = state.holds.filter(x => x !== h);
          release();
        },
      };
    },
    heal() {
      state.failing = undefined;
    },
    addComment(owner, repo, issue, body) {
      const c = { id: nextId++, owner, repo, issue, body, edits: 0 };
      state.comments.push(c);
      return c.id;
    },
    deleteComment(id) {
      state.comments = state.comments.filter(c => c.id !== id);
    },
    close: server.close,
  };
}
