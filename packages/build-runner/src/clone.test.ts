import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildApi } from './api.ts';
import { runClone } from './clone.ts';
import { gitAuthEnv, refusedByHost } from './gitAuth.ts';
import { LogShipper } from './logShipper.ts';
import type { RepoAccess } from './protocol.ts';
import { failureOf } from './workspace.ts';
import { baseSpec, fakeBackend, TOKEN } from './__testUtils__/backend.ts';

jest.setTimeout(60_000);

const PASSWORD = 'clone-credential-0123456789abcdef';
const credential = { username: 'x-access-token', password: PASSWORD };
const BASIC = Buffer.from(`x-access-token:${PASSWORD}`).toString('base64');
const HINT = '127.0.0.1: no credentials for acme/site; add integrations.github';

/**
 * A Git host that wants HTTP Basic credentials, and, given the right ones,
 * redirects to a URL holding the password that answers with no repository
 * (git echoes that URL in its error): the worst a host can do to the
 * build's log.
 */
async function refusingHost() {
  const seen: Array<{ url: string; authorization?: string }> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    seen.push({ url: req.url!, authorization: req.headers.authorization });
    if (req.url!.startsWith('/echo-')) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('no repo\n');
    } else if (req.headers.authorization === `Basic ${BASIC}`) {
      res
        .writeHead(302, {
          location: req.url!.replace('/acme/', `/echo-${PASSWORD}/`),
        })
        .end();
    } else {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
    }
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    repoUrl: `http://127.0.0.1:${port}/acme/site.git`,
    seen,
    close: () => new Promise(r => server.close(r)),
  };
}

/** Every file under `dir` whose bytes contain one of `needles`. */
function filesContaining(dir: string, needles: string[]): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(e => e.isFile())
    .map(e => join(e.parentPath, e.name))
    .filter(p => {
      const text = readFileSync(p).toString('latin1');
      return needles.some(n => text.includes(n));
    });
}

async function clone(repoUrl: string, repoAccess: RepoAccess) {
  const backend = await fakeBackend({ ...baseSpec, repoUrl, repoAccess });
  const api = new BuildApi(backend.api, 'd1', TOKEN, { retries: 0 });
  const log = new LogShipper({ send: l => api.logs(l), secrets: [TOKEN] });
  const workdir = mkdtempSync(join(tmpdir(), 'novahost-br-clone-'));
  try {
    const error = await runClone({ api, log, workdir }).then(
      () => undefined,
      e => failureOf(e).error,
    );
    await log.flush();
    return { error, workdir, lines: backend.state.lines.map(l => l.text) };
  } finally {
    await backend.close();
  }
}

describe('runClone with a repository credential', () => {
  it('sends it to the host only as the fetch header, and keeps it out of the work directory, the log and the error', async () => {
    const host = await refusingHost();
    try {
      const out = await clone(host.repoUrl, { credential, hint: HINT });

      expect(host.seen[0].authorization).toBe(`Basic ${BASIC}`);
      expect(host.seen.some(r => r.url.startsWith('/echo-'))).toBe(true);
      // Not a refusal: git's own words, without the password.
      expect(out.error).toMatch(/^git fetch exited with code 128\n/);
      expect(out.error).toMatch(/echo-\*\*\*\/site\.git.*not valid/);
      expect(out.lines.join('\n')).toContain('/echo-***/');
      for (const text of [out.error!, ...out.lines]) {
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(BASIC);
      }
      expect(filesContaining(out.workdir, [PASSWORD, BASIC])).toEqual([]);
      expect(
        readFileSync(join(out.workdir, 'repo/.git/config'), 'utf8'),
      ).toMatch(/url = http:\/\/127\.0\.0\.1:\d+\/acme\/site\.git/);
    } finally {
      await host.close();
    }
  });

  it('fails with the hint when the host wants credentials the backend has none for', async () => {
    const host = await refusingHost();
    try {
      const out = await clone(host.repoUrl, { hint: HINT });
      expect(host.seen.every(r => r.authorization === undefined)).toBe(true);
      expect(out.error?.split('\n')[0]).toBe(HINT);
      expect(out.error).toMatch(/could not read Username/);
    } finally {
      await host.close();
    }
  });

  it('keeps git messages that are not a refusal', async () => {
    const host = await refusingHost();
    await host.close();
    // Nothing listens any more: a connection error, not a refusal.
    const out = await clone(host.repoUrl, { credential, hint: HINT });
    expect(out.error).toMatch(/^git fetch exited with code 128\n/);
    expect(out.error).toMatch(/Failed to connect|Connection refused/i);
  });
});

describe('gitAuthEnv', () => {
  const header = (env: NodeJS.ProcessEnv, url: string) => {
    try {
      return execFileSync(
        'git',
        ['config', '--get-urlmatch', 'http.extraheader', url],
        { env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', ...env } },
      )
        .toString()
        .trim();
    } catch {
      return undefined;
    }
  };

  it('scopes the header to the repository origin', () => {
    const env = gitAuthEnv('https://git.example.com/acme/site.git', credential);
    expect(header(env, 'https://git.example.com/other/repo.git')).toBe(
      `Authorization: Basic ${BASIC}`,
    );
    expect(header(env, 'https://evil.example.com/acme/site.git')).toBe(
      undefined,
    );
    expect(header(env, 'http://git.example.com/acme/site.git')).toBe(undefined);
  });
});

describe('refusedByHost', () => {
  it.each([
    "fatal: could not read Username for 'https://github.com': terminal prompts disabled",
    "fatal: Authentication failed for 'https://gitlab.com/a/b.git/'",
    'remote: Repository not found.',
    "fatal: unable to access 'https://x/a.git/': The requested URL returned error: 403",
  ])('knows %p', line => expect(refusedByHost([line])).toBe(true));

  it.each([
    "fatal: couldn't find remote ref no-such-branch",
    "fatal: unable to access 'https://x/': Could not resolve host: x",
  ])('tells %p apart', line => expect(refusedByHost([line])).toBe(false));
});
