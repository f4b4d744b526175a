import { mockServices } from '@backstage/backend-test-utils';
import type { BuildExit } from '@internal/plugin-novahost-node';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { LocalBuildRunner, sandboxReadOnlyPaths } from './LocalBuildRunner';

jest.setTimeout(60_000);

describe('sandboxReadOnlyPaths', () => {
  let root: string;
  /** A Node.js distribution (bin/node and include/node/node.h) under `dir`. */
  const distribution = (dir: string) => {
    fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'include', 'node'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'bin', 'node'), '');
    fs.writeFileSync(path.join(dir, 'include', 'node', 'node.h'), '');
    return path.join(dir, 'bin', 'node');
  };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-ro-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('shows builds the Node.js distribution running the backend', () => {
    const node = distribution(path.join(root, 'node-22'));
    expect(sandboxReadOnlyPaths('/var/builds', {}, node)).toEqual([
      path.join(root, 'node-22'),
    ]);
    // Already visible with the system.
    expect(sandboxReadOnlyPaths('/var/builds', {}, '/usr/bin/node')).toEqual(
      [],
    );
    expect(
      sandboxReadOnlyPaths('/var/builds', {}, '/usr/local/bin/node'),
    ).toEqual([]);
  });

  it('shows only the node binary of any other directory, or of one that holds the checkout or the work directories', () => {
    // A home directory with bin/node: not a distribution.
    const home = path.join(root, 'home');
    fs.mkdirSync(path.join(home, 'bin'), { recursive: true });
    expect(
      sandboxReadOnlyPaths('/var/builds', {}, path.join(home, 'bin', 'node')),
    ).toEqual([path.join(home, 'bin', 'node')]);
    const node = distribution(path.join(root, 'nh'));
    expect(
      sandboxReadOnlyPaths(path.join(root, 'nh', 'builds'), {}, node),
    ).toEqual([node]);
    expect(sandboxReadOnlyPaths('/var/builds', {}, '/node')).toEqual(['/node']);
  });

  it('adds the CA bundles the operator points builds to, never a directory holding the checkout', () => {
    const bundle = path.join(root, 'corp-ca.pem');
    fs.writeFileSync(bundle, 'pem');
    expect(
      sandboxReadOnlyPaths(
        '/var/builds',
        {
          NODE_EXTRA_CA_CERTS: bundle,
          SSL_CERT_DIR: '/etc/ssl/certs',
          npm_config_cafile: '/',
          SSL_CERT_FILE: path.join(root, 'missing.pem'),
          HOME: root,
        },
        '/opt/node/bin/node',
      ),
    ).toEqual(['/opt/node/bin/node', bundle]);
  });
});

describe('LocalBuildRunner', () => {
  let dir: string;
  let program: string;
  const savedPath = process.env.PATH;
  const savedCache = process.env.npm_config_cache;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-local-runner-'));
    // A build program that reports how it was started and exits.
    program = path.join(dir, 'program.js');
    fs.writeFileSync(
      program,
      `const pick = k => /^(NOVAHOST_(SANDBOX|BUILD_TOKEN)|npm_config_cache)/.test(k);
process.stderr.write(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => pick(k)))));
process.exit(3);`,
    );
    process.env.npm_config_cache = path.join(dir, 'npm-cache');
  });
  afterEach(() => {
    process.env.PATH = savedPath;
    if (savedCache === undefined) delete process.env.npm_config_cache;
    else process.env.npm_config_cache = savedCache;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const runner = (sandbox: boolean) => {
    const logger = mockServices.logger.mock();
    return {
      logger,
      runner: new LocalBuildRunner({
        apiUrl: 'http://127.0.0.1:1/api/novahost',
        program,
        workDirectory: dir,
        sandbox,
        logger,
      }),
    };
  };
  const build = (r: LocalBuildRunner) =>
    new Promise<BuildExit>((resolve, reject) => {
      r.start(
        {
          deploymentId: 'd1',
          projectId: 'p1',
          projectSlug: 'p',
          token: 'tok-123',
          timeoutSeconds: 30,
        },
        resolve,
      ).catch(reject);
    });

  it('refuses builds while the sandbox does not work, and builds once it does', async () => {
    const { runner: r, logger } = runner(true);
    // No bwrap on PATH.
    process.env.PATH = path.join(dir, 'empty');
    await r.checkSandbox();
    expect(logger.error).toHaveBeenCalledWith(
      'The local runner sandbox (bubblewrap) is unavailable: bwrap was not found on PATH; builds are refused',
    );
    await expect(build(r)).rejects.toThrow(
      'The local runner sandbox (bubblewrap) is unavailable: bwrap was not found on PATH. Install bubblewrap (scripts/setup.sh does) or set novahost.runner.local.sandbox: false to run builds as trusted code',
    );
    // Nothing was started: no work directory left behind.
    expect(fs.readdirSync(dir).filter(n => n.startsWith('novahost-'))).toEqual(
      [],
    );

    process.env.PATH = savedPath;
    const exit = await build(r);
    expect(logger.info).toHaveBeenCalledWith(
      'Builds run in a bubblewrap sandbox',
    );
    expect(exit.exitCode).toBe(3);
    const env = JSON.parse(exit.stderrTail);
    expect(env).toEqual({
      NOVAHOST_BUILD_TOKEN: 'tok-123',
      NOVAHOST_SANDBOX: 'bwrap',
      NOVAHOST_SANDBOX_RO_BINDS: expect.any(String),
    });
    expect(env.NOVAHOST_SANDBOX_RO_BINDS.split(path.delimiter)).toEqual(
      sandboxReadOnlyPaths(dir),
    );
    await r.close();
  });

  it('runs builds unsandboxed when configured so, and warns', async () => {
    const { runner: r, logger } = runner(false);
    await r.checkSandbox();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'novahost.runner.local.sandbox is false: builds run without a sandbox, as trusted code',
      ),
    );
    const exit = await build(r);
    expect(JSON.parse(exit.stderrTail)).toEqual({
      NOVAHOST_BUILD_TOKEN: 'tok-123',
      NOVAHOST_SANDBOX: 'off',
      npm_config_cache: path.join(dir, 'npm-cache'),
    });
    await r.close();
  });
});
