import { execFileSync, spawn } from 'child_process';
import fs from 'fs';
import http from 'http';
import { AddressInfo } from 'net';
import os from 'os';
import path from 'path';

/**
 * A real Git smart-HTTP server for tests: `git http-backend` (the CGI
 * program Git ships) under a Node http server on 127.0.0.1, serving the
 * bare repositories under `root` (`<root>/acme/site.git` is
 * `url('acme/site')`). Fetch and, with a token, push.
 */
export type GitHttpServer = {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `127.0.0.1:<port>`, the host an integration is configured for. */
  host: string;
  /** The clone URL of `<root>/<name>.git`. */
  url(name: string): string;
  /** Every request, with the password it carried, if any. */
  requests: Array<{ method: string; path: string; password?: string }>;
  close(): Promise<void>;
};

export type GitHttpServerOptions = {
  /** The directory holding the bare repositories. */
  root: string;
  /**
   * When set, every request must carry HTTP Basic credentials (any user
   * name) whose password is the token, or one the function accepts;
   * others get a 401 challenge, as a host answers for a private repository.
   */
  token?: string | ((password: string) => boolean);
};

const HTTP_BACKEND = path.join(
  execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(),
  'git-http-backend',
);

function passwordOf(req: http.IncomingMessage): string | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

export async function startGitHttpServer(
  options: GitHttpServerOptions,
): Promise<GitHttpServer> {
  const { token } = options;
  const accepts = (p: string | undefined) =>
    p !== undefined && (typeof token === 'function' ? token(p) : p === token);
  const requests: GitHttpServer['requests'] = [];

  const server = http.createServer((req, res) => {
    const [pathname, query = ''] = (req.url ?? '/').split('?');
    const password = passwordOf(req);
    requests.push({ method: req.method ?? 'GET', path: pathname, password });
    if (token !== undefined && !accepts(password)) {
      req.resume();
      res
        .writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' })
        .end('Authentication required\n');
      return;
    }
    const cgi = spawn(HTTP_BACKEND, [], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: path.resolve(options.root),
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: path.resolve(options.root),
        REQUEST_METHOD: req.method,
        PATH_INFO: decodeURIComponent(pathname),
        QUERY_STRING: query,
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_ADDR: '127.0.0.1',
        // An authenticated user may push (http-backend's receive-pack rule).
        ...(token !== undefined ? { REMOTE_USER: 'git' } : {}),
        ...(req.headers['content-encoding']
          ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) }
          : {}),
        ...(req.headers['git-protocol']
          ? { GIT_PROTOCOL: String(req.headers['git-protocol']) }
          : {}),
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin!);
    cgi.stdin!.on('error', () => {});
    respondWithCgi(cgi.stdout!, res);
    cgi.on('error', e => {
      if (!res.headersSent) res.writeHead(500);
      res.end(e.message);
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    host: `127.0.0.1:${port}`,
    url: name => `${origin}/${name}.git`,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes a CGI answer (headers, a blank line, the body) as the HTTP response. */
function respondWithCgi(out: NodeJS.ReadableStream, res: http.ServerResponse) {
  let head = Buffer.alloc(0);
  let body = false;
  out.on('data', (chunk: Buffer) => {
    if (body) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString('latin1');
    const end = /\r?\n\r?\n/.exec(text);
    if (!end) return;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of text.slice(0, end.index).split(/\r?\n/)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (/^status$/i.test(name)) status = parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    body = true;
    // latin1: one character per byte, so the index is the byte offset.
    res.write(head.subarray(end.index + end[0].length));
  });
  out.on('end', () => {
    if (!body) res.writeHead(502);
    res.end();
  });
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync(
    'git',
    ['-c', 'user.email=test@novahost.dev', '-c', 'user.name=Test', ...args],
    { cwd, encoding: 'utf8' },
  ).trim();

/** A commit: the files it writes (path → content) and its message. */
export type RepoCommit = { files: Record<string, string>; message?: string };

export type BareRepo = {
  /** The bare repository, `<root>/<name>.git`. */
  dir: string;
  /** The tip of a branch. */
  head(branch: string): string;
  /** Commits `files` on `branch` (created from the first branch when new) and pushes; the new SHA. */
  commit(
    branch: string,
    files: Record<string, string>,
    message?: string,
  ): string;
};

/**
 * Creates `<root>/<name>.git` with `branches` (branch → commits, in
 * order). The first branch starts the history; every other one starts at
 * its tip. Commits are made in a work clone and pushed, as a developer
 * would, so `commit` adds more later (a push for a webhook test).
 */
export function createBareRepo(
  root: string,
  name: string,
  branches: Record<string, RepoCommit[]>,
): BareRepo {
  const dir = path.join(root, `${name}.git`);
  fs.mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '--bare', '-b', Object.keys(branches)[0] ?? 'main');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-git-work-'));
  git(work, 'init', '-q', '-b', Object.keys(branches)[0] ?? 'main');
  git(work, 'remote', 'add', 'origin', dir);
  let first: string | undefined;

  const commit = (
    branch: string,
    files: Record<string, string>,
    message?: string,
  ) => {
    const exists = git(work, 'branch', '--list', branch) !== '';
    if (exists) git(work, 'checkout', '-q', branch);
    else if (first) git(work, 'checkout', '-q', '-b', branch, first);
    else git(work, 'symbolic-ref', 'HEAD', `refs/heads/${branch}`);
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      fs.writeFileSync(path.join(work, file), content);
    }
    git(work, 'add', '-A');
    git(
      work,
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      message ?? `Change ${branch}`,
    );
    git(work, 'push', '-q', 'origin', branch);
    first ??= branch;
    return git(work, 'rev-parse', 'HEAD');
  };

  for (const [branch, commits] of Object.entries(branches)) {
    for (const c of commits) commit(branch, c.files, c.message);
  }
  return {
    dir,
    head: branch => git(dir, 'rev-parse', `refs/heads/${branch}`),
    commit,
  };
}
