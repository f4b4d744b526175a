import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run, StepError } from './exec.ts';
import {
  insidePath,
  roBindTargets,
  sandboxArgs,
  sandboxFromEnv,
  type SandboxOptions,
} from './sandbox.ts';

jest.setTimeout(30_000);

/** The Node.js installation running this test: builds get the same. */
const NODE_PREFIX = dirname(dirname(process.execPath));

describe('sandboxFromEnv', () => {
  it('takes the sandbox out of the environment nothing else may see', () => {
    const env: NodeJS.ProcessEnv = {
      NOVAHOST_SANDBOX: 'bwrap',
      NOVAHOST_SANDBOX_RO_BINDS: '/opt/node:/opt/ca.pem',
      PATH: '/usr/bin',
    };
    expect(sandboxFromEnv(env, '/w')).toEqual({
      workdir: '/w',
      roBinds: ['/opt/node', '/opt/ca.pem'],
    });
    expect(env).toEqual({ PATH: '/usr/bin' });
  });

  it('knows off and unset, and fails on anything else rather than skip the sandbox', () => {
    expect(sandboxFromEnv({ NOVAHOST_SANDBOX: 'off' }, '/w')).toBe('off');
    expect(sandboxFromEnv({}, '/w')).toBeUndefined();
    expect(() => sandboxFromEnv({ NOVAHOST_SANDBOX: 'docker' }, '/w')).toThrow(
      "NOVAHOST_SANDBOX must be 'bwrap' or 'off', not 'docker'",
    );
    expect(() =>
      sandboxFromEnv(
        { NOVAHOST_SANDBOX: 'bwrap', NOVAHOST_SANDBOX_RO_BINDS: 'rel/dir' },
        '/w',
      ),
    ).toThrow("'rel/dir' is not absolute");
  });

  it('takes the egress allow list, and fails on a malformed entry', () => {
    const env: NodeJS.ProcessEnv = {
      NOVAHOST_SANDBOX: 'bwrap',
      NOVAHOST_SANDBOX_EGRESS_ALLOW: '127.0.0.1:4873, [::1]:80',
    };
    expect(sandboxFromEnv(env, '/w')).toEqual({
      workdir: '/w',
      roBinds: [],
      egressAllow: ['127.0.0.1:4873', '[::1]:80'],
    });
    expect(env).toEqual({});
    expect(() =>
      sandboxFromEnv(
        { NOVAHOST_SANDBOX: 'bwrap', NOVAHOST_SANDBOX_EGRESS_ALLOW: 'x' },
        '/w',
      ),
    ).toThrow("egress allow list: 'x' is not host:port");
  });
});

describe('sandboxArgs', () => {
  const args = sandboxArgs(
    { workdir: '/tmp/b/work', roBinds: ['/opt/node'] },
    '/tmp/b/work/repo',
    {
      PATH: '/opt/node/bin:/usr/bin',
      HOME: '/tmp/b/work/home',
      UNSET: undefined,
    },
  );
  const pairs = (flag: string) =>
    args.flatMap((a, i) => (a === flag ? [[args[i + 1], args[i + 2]]] : []));

  it('makes only the work directory writable and hides the host', () => {
    expect(args).toEqual(
      expect.arrayContaining([
        '--unshare-all',
        '--unshare-user',
        '--disable-userns',
        '--die-with-parent',
        '--new-session',
      ]),
    );
    expect(args).not.toContain('--share-net');
    expect(pairs('--bind')).toEqual([['/tmp/b/work', '/tmp/b/work']]);
    // Read-only host paths appear under /opt/novahost, never at their
    // host path (which may be under /tmp, the sandbox's writable tmpfs).
    expect(pairs('--ro-bind')).toEqual([
      ['/usr', '/usr'],
      ['/opt/node', '/opt/novahost/0'],
    ]);
    expect(args[args.indexOf('--cap-drop') + 1]).toBe('ALL');
    expect(args[args.indexOf('--chdir') + 1]).toBe('/tmp/b/work/repo');
    // Of /etc, only what name resolution, users and TLS need.
    const etc = pairs('--ro-bind-try').map(([src]) => src);
    expect(etc).toContain('/etc/resolv.conf');
    expect(etc).not.toContain('/etc/shadow');
    expect(args.join(' ')).not.toMatch(/bind \/ |\/work\/main /);
  });

  it('gives the command exactly the environment it is given', () => {
    expect(args.indexOf('--clearenv')).toBeLessThan(args.indexOf('--setenv'));
    expect(pairs('--setenv')).toEqual([
      ['PATH', '/opt/novahost/0/bin:/usr/bin'],
      ['HOME', '/tmp/b/work/home'],
    ]);
  });
});

describe('insidePath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'novahost-bind-'));
  const file = join(dir, 'node');
  writeFileSync(file, '');
  const binds = roBindTargets([file, '/tmp/ci/.tools/node']);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('maps a bound directory and what is under it, and a bound file', () => {
    expect(insidePath('/tmp/ci/.tools/node', binds)).toBe('/opt/novahost/1');
    expect(insidePath('/tmp/ci/.tools/node/bin', binds)).toBe(
      '/opt/novahost/1/bin',
    );
    expect(insidePath('/tmp/ci/.tools/nodejs', binds)).toBe(
      '/tmp/ci/.tools/nodejs',
    );
    // A file is shown alone, in a directory of its own.
    expect(insidePath(file, binds)).toBe('/opt/novahost/0/node');
    expect(insidePath(dir, binds)).toBe('/opt/novahost/0');
    expect(insidePath('/usr/bin', binds)).toBe('/usr/bin');
  });
});

describe('run in the sandbox', () => {
  let workdir: string;
  let sandbox: SandboxOptions;

  beforeEach(() => {
    workdir = mkdtempSync(join(tmpdir(), 'novahost-sandbox-'));
    mkdirSync(join(workdir, 'home'));
    sandbox = { workdir, roBinds: [NODE_PREFIX] };
  });
  afterEach(() => rmSync(workdir, { recursive: true, force: true }));

  const sh = async (command: string, timeoutMs?: number) => {
    const lines: string[] = [];
    await run('Build command', command, [], {
      cwd: workdir,
      env: {
        PATH: `${NODE_PREFIX}/bin:/usr/bin:/bin`,
        HOME: join(workdir, 'home'),
        MINE: 'yes',
      },
      shell: true,
      sandbox,
      timeoutMs,
      onLine: (_s, text) => lines.push(text),
    });
    return lines;
  };

  it('sees its own processes and environment only, and writes only its work directory', async () => {
    const out = await sh(
      [
        'ls /proc | grep -c "^[0-9]"',
        `cat /proc/${process.pid}/environ 2>&1 || echo no-parent`,
        'echo "$MINE $HOME"',
        'node -e "console.log(process.version)"',
        `cat ${JSON.stringify(
          join(process.cwd(), 'package.json'),
        )} || echo no-checkout`,
        'touch /usr/x 2>&1 || echo no-usr',
        'touch /x 2>&1 || echo no-root',
        'echo hi > out.txt && echo wrote',
        'ls /tmp | wc -l',
      ].join('; '),
    );
    // bwrap's init, the egress forwarder, the shell, ls and grep at most.
    expect(Number(out[0])).toBeLessThanOrEqual(5);
    expect(out).toContain('no-parent');
    expect(out).toContain(`yes ${join(workdir, 'home')}`);
    expect(out).toContain(process.version);
    expect(out).toContain('no-checkout');
    expect(out).toContain('no-usr');
    expect(out).toContain('no-root');
    expect(out).toContain('wrote');
    expect(readFileSync(join(workdir, 'out.txt'), 'utf8')).toBe('hi\n');
    expect(out[out.length - 1]).toBe('1'); // /tmp: only the way to the work directory
  });

  it('starts bwrap with none of the build environment', async () => {
    // A PATH of the build that would find a bwrap of the repository, run
    // outside the sandbox, and a preload the dynamic loader would complain of.
    const bin = join(workdir, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'bwrap'),
      `#!/bin/sh\ntouch ${workdir}/escaped\nexec /usr/bin/bwrap "$@"\n`,
      { mode: 0o755 },
    );
    const lines: string[] = [];
    await run('Build command', 'echo "inside $PATH"', [], {
      cwd: workdir,
      env: { PATH: `bin:${bin}:/usr/bin:/bin`, LD_PRELOAD: '/nonexistent.so' },
      shell: true,
      sandbox,
      onLine: (_s, text) => lines.push(text),
    });
    expect(existsSync(join(workdir, 'escaped'))).toBe(false);
    expect(lines).toContain(`inside bin:${bin}:/usr/bin:/bin`);
  });

  it('kills what the command left running, even in its own session', async () => {
    // The daemon would write into the work directory after a second.
    await sh(
      `setsid sh -c 'sleep 1; echo alive > ${workdir}/daemon' > /dev/null 2>&1 &`,
    );
    await new Promise(r => setTimeout(r, 2000));
    expect(existsSync(join(workdir, 'daemon'))).toBe(false);
  });

  it('kills everything on timeout', async () => {
    const started = Date.now();
    const failed = sh(
      `setsid sh -c 'sleep 2; echo alive > ${workdir}/daemon' > /dev/null 2>&1 & sleep 30`,
      500,
    );
    await expect(failed).rejects.toThrow(StepError);
    await expect(failed).rejects.toThrow('Build command timed out');
    expect(Date.now() - started).toBeLessThan(5000);
    await new Promise(r => setTimeout(r, 2500));
    expect(readdirSync(workdir)).toEqual(['home']);
  });
});

describe('the network of the sandbox', () => {
  let workdir: string;
  let server: http.Server;
  let serverUrl: string;
  const requests: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end('allowed');
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());
  beforeEach(() => {
    workdir = mkdtempSync(join(tmpdir(), 'novahost-sandbox-'));
    mkdirSync(join(workdir, 'home'));
  });
  afterEach(() => rmSync(workdir, { recursive: true, force: true }));

  const sh = async (command: string, allow: string[]) => {
    const lines: Array<[string, string]> = [];
    await run('Build command', command, [], {
      cwd: workdir,
      env: {
        PATH: `${NODE_PREFIX}/bin:/usr/bin:/bin`,
        HOME: join(workdir, 'home'),
      },
      shell: true,
      sandbox: { workdir, roBinds: [NODE_PREFIX], egressAllow: allow },
      onLine: (stream, text) => lines.push([stream, text]),
    });
    return lines;
  };

  it('reaches an allow-listed server through the proxy with curl, git, npm and node', async () => {
    const host = serverUrl.slice('http://'.length);
    const lines = await sh(
      [
        `curl -sS ${serverUrl}/curl; echo`,
        `git ls-remote ${serverUrl}/git >/dev/null 2>&1`,
        `npm view --registry ${serverUrl}/npm/ left-pad >/dev/null 2>&1`,
        `node -e "fetch('${serverUrl}/fetch').then(r => r.text()).then(console.log)"`,
        `node -e "require('http').get('${serverUrl}/http', r => r.pipe(process.stdout))"`,
      ].join('; '),
      [host],
    );
    expect(requests).toEqual(
      expect.arrayContaining(['/curl', '/fetch', '/http']),
    );
    expect(requests.some(r => r.startsWith('/git/info/refs'))).toBe(true);
    expect(requests.some(r => r.startsWith('/npm/'))).toBe(true);
    expect(lines.filter(([s]) => s === 'stdout').map(([, t]) => t)).toEqual([
      'allowed',
      'allowed',
      'allowed',
    ]);
    // No warning of the experimental env proxy in every node.
    expect(lines.filter(([s]) => s === 'stderr')).toEqual([]);
  });

  it('reaches nothing of the host directly, and the proxy refuses it with a log line', async () => {
    const host = serverUrl.slice('http://'.length);
    const lines = await sh(
      [
        `curl -sS --noproxy '*' -m 5 ${serverUrl}/direct 2>&1 | sed 's/ after.*//'`,
        `curl -sS -m 5 ${serverUrl}/proxied`,
        `curl -sS -m 5 -p ${serverUrl}/tunneled 2>&1 | tail -1`,
      ].join('; '),
      [],
    );
    expect(requests).not.toEqual(
      expect.arrayContaining(['/direct', '/proxied', '/tunneled']),
    );
    const stdout = lines.filter(([s]) => s === 'stdout').map(([, t]) => t);
    expect(stdout[0]).toMatch(/Failed to connect to 127.0.0.1 port/);
    expect(stdout[1]).toBe(`egress to ${host} refused: loopback`);
    expect(stdout[2]).toMatch(/CONNECT tunnel failed, response 403/);
    // Once, as a line of the sandbox, however often it was tried.
    expect(lines.filter(([s]) => s === 'system')).toEqual([
      ['system', `egress to ${host} refused: loopback`],
    ]);
  });
});
