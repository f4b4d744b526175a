import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  baseSpec,
  fakeBackend,
  repoWith,
  TOKEN,
} from './__testUtils__/backend.ts';
import { runProgram } from './__testUtils__/program.ts';
import { StepError } from './exec.ts';
import type { NodeInstall } from './nodeVersion.ts';
import {
  prepareFailure,
  SYSTEM_PATH,
  toolchain,
  versionFromOutput,
  writeShims,
} from './toolchain.ts';

// Real builds on real Node installations: a loaded machine needs time.
jest.setTimeout(120_000);

/** The Node.js installations scripts/setup.sh provisions (provision-node). */
const NODE_DIR = resolve(__dirname, '../../../.tools/build-node');

beforeAll(() => {
  if (!existsSync(join(NODE_DIR, '20', 'bin', 'node'))) {
    throw new Error(
      `${NODE_DIR}/20 is missing: run scripts/setup.sh (it provisions .tools/build-node)`,
    );
  }
});

describe('writeShims', () => {
  it('runs pnpm and yarn through corepack, at the chosen version for the chosen tool', () => {
    const dir = mkdtempSync(join(tmpdir(), 'novahost-shims-'));
    writeShims(dir, {
      name: 'yarn',
      corepack: 'yarn@1.22.22',
      berry: false,
      source: 'x',
    });
    const shim = (name: string) => readFileSync(join(dir, name), 'utf8');
    expect(shim('yarn')).toBe(`#!/bin/sh\nexec corepack 'yarn@1.22.22' "$@"\n`);
    expect(shim('yarnpkg')).toBe(
      `#!/bin/sh\nexec corepack 'yarnpkg@1.22.22' "$@"\n`,
    );
    expect(shim('pnpm')).toBe(`#!/bin/sh\nexec corepack pnpm "$@"\n`);
    expect(shim('pnpx')).toBe(`#!/bin/sh\nexec corepack pnpx "$@"\n`);
    // npm is the chosen Node's own unless packageManager names a version.
    expect(existsSync(join(dir, 'npm'))).toBe(false);
    writeShims(dir, { name: 'npm', corepack: 'npm@10.9.0', source: 'x' });
    expect(shim('npx')).toBe(`#!/bin/sh\nexec corepack 'npx@10.9.0' "$@"\n`);
  });

  it('refuses a spec that is not a plain tool@version', () => {
    const dir = mkdtempSync(join(tmpdir(), 'novahost-shims-'));
    expect(() =>
      writeShims(dir, {
        name: 'pnpm',
        corepack: "pnpm@9'; rm -rf /",
        source: 'x',
      }),
    ).toThrow(StepError);
  });
});

describe('toolchain', () => {
  const node: NodeInstall = {
    version: '20.20.2',
    major: 20,
    bin: join(NODE_DIR, '20', 'bin'),
    root: join(NODE_DIR, '20'),
  };

  it('makes PATH from scratch and points corepack at the build’s home and registry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'novahost-tools-'));
    const tools = toolchain({
      node,
      pm: { name: 'pnpm', corepack: 'pnpm@9', source: 'x' },
      shimDir: join(dir, 'bin'),
      corepackHome: join(dir, 'corepack'),
      settings: { nodes: [node], integrityKeys: '0' },
      registry: 'https://mirror.example/npm/',
    });
    expect(tools.env).toEqual({
      PATH: [join(dir, 'bin'), node.bin, ...SYSTEM_PATH].join(':'),
      COREPACK_HOME: join(dir, 'corepack'),
      COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
      COREPACK_ENABLE_AUTO_PIN: '0',
      COREPACK_ENABLE_STRICT: '0',
      COREPACK_NPM_REGISTRY: 'https://mirror.example/npm',
      COREPACK_INTEGRITY_KEYS: '0',
      npm_config_nodedir: node.root,
    });
    expect(tools.sandbox).toBeUndefined();
  });

  it('shows the chosen Node in the sandbox and hides the machine’s', () => {
    const dir = mkdtempSync(join(tmpdir(), 'novahost-tools-'));
    const sandbox = { workdir: dir, roBinds: ['/opt/ca.pem'] };
    const tools = toolchain({
      node,
      pm: null,
      shimDir: join(dir, 'bin'),
      corepackHome: join(dir, 'corepack'),
      settings: { nodes: [node] },
      sandbox,
    });
    expect(tools.sandbox!.roBinds).toEqual(['/opt/ca.pem', node.root]);
    // This machine has a node of its own in /usr/bin.
    expect(existsSync('/usr/bin/node')).toBe(true);
    expect(tools.sandbox!.hide).toContain('/usr/bin/node');
    expect(tools.env.COREPACK_INTEGRITY_KEYS).toBeUndefined();
    expect(tools.env.COREPACK_NPM_REGISTRY).toBe('https://registry.npmjs.org');
    // The build program's own node (no root): nothing to add or hide.
    const own = toolchain({
      node: { ...node, root: undefined },
      pm: null,
      shimDir: join(dir, 'bin'),
      corepackHome: join(dir, 'corepack'),
      settings: { nodes: [node] },
      sandbox,
    });
    expect(own.sandbox).toEqual(sandbox);
  });

  it('reads versions and explains missing signatures', () => {
    expect(versionFromOutput(['Corepack is about to download', '9.15.9'])).toBe(
      '9.15.9',
    );
    expect(versionFromOutput(['v10.9.0', ''])).toBe('10.9.0');
    expect(versionFromOutput(['nothing'])).toBeUndefined();
    const e = prepareFailure(
      new StepError('`pnpm --version` exited with code 1', 1, [
        'Error: No compatible signature found in package metadata',
      ]),
      'pnpm@9',
    ) as StepError;
    expect(e.message).toBe(
      'Preparing pnpm@9 through corepack failed: corepack could not verify pnpm@9\'s signature. A registry mirror that serves no signatures needs novahost.builds.corepack.integrityKeys: "0" (README: Node and package manager versions)',
    );
  });
});

/** Runs the program as the local runner does (one process, `all`). */
const program = runProgram;

describe('builds on the chosen tools', () => {
  it('runs on the Node of .nvmrc, with none of the platform’s yarn, corepack or npm settings', async () => {
    // The platform's own tools and settings, as a backend process has them.
    const platform = mkdtempSync(join(tmpdir(), 'novahost-platform-'));
    mkdirSync(join(platform, 'bin'));
    for (const tool of ['yarn', 'pnpm', 'corepack']) {
      writeFileSync(
        join(platform, 'bin', tool),
        '#!/bin/sh\necho PLATFORM TOOL\n',
        { mode: 0o755 },
      );
    }
    const repo = repoWith(
      `
      const { execSync } = require('child_process');
      console.log('version ' + process.version);
      console.log('npm ' + execSync('npm --version').toString().trim());
      console.log('node at ' + execSync('command -v node').toString().trim());
      console.log('path ' + process.env.PATH);
      console.log('yarn env ' + (Object.keys(process.env).filter(k => /^YARN_/i.test(k)).join(',') || 'none'));
      console.log('corepack home ' + process.env.COREPACK_HOME);
      console.log('agent ' + process.env.npm_config_user_agent);
      require('fs').mkdirSync('dist');
      require('fs').writeFileSync('dist/index.html', 'v');
    `,
      {
        '.nvmrc': 'lts/iron\n',
        'package-lock.json': JSON.stringify({
          name: 'x',
          lockfileVersion: 3,
          requires: true,
          packages: { '': { name: 'x' } },
        }),
      },
    );
    const backend = await fakeBackend({ ...baseSpec, repoUrl: repo });
    const workdir = mkdtempSync(join(tmpdir(), 'novahost-br-tools-'));
    try {
      const out = await program('all', {
        PATH: `${join(platform, 'bin')}:${process.env.PATH}`,
        NOVAHOST_API_URL: backend.api,
        NOVAHOST_DEPLOYMENT_ID: 'd1',
        NOVAHOST_BUILD_TOKEN: TOKEN,
        NOVAHOST_WORKDIR: workdir,
        NOVAHOST_SANDBOX: 'off',
        NOVAHOST_NODE_DIRS: NODE_DIR,
        YARN_IGNORE_PATH: '1',
        YARN_ENABLE_IMMUTABLE_INSTALLS: 'false',
        COREPACK_HOME: join(platform, 'corepack'),
        npm_config_user_agent: 'yarn/4.13.0',
      });
      expect(out).toMatchObject({ code: 0 });
      const text = backend.state.lines.map(l => l.text);
      const node20 = text.find(l => l.startsWith('version '))!;
      expect(node20).toMatch(/^version v20\.\d+\.\d+$/);
      expect(text).toContain(
        `Using Node ${node20.slice(
          'version v'.length,
        )} (from .nvmrc: "lts/iron")`,
      );
      expect(text).toContain('Detected npm (from package-lock.json)');
      expect(text.find(l => /^Using npm /.test(l))).toMatch(
        /^Using npm 10\.\d+\.\d+ \(from package-lock\.json\)$/,
      );
      // Unsandboxed the machine's node is further down PATH; the sandbox hides it.
      expect(text).toContain(`node at ${join(NODE_DIR, '20', 'bin', 'node')}`);
      // npm run puts node_modules/.bin dirs first; the rest is the build's own.
      const path = text.find(l => l.startsWith('path '))!;
      expect(
        path.endsWith(
          `:${[
            join(workdir, 'tools', 'bin'),
            join(NODE_DIR, '20', 'bin'),
            ...SYSTEM_PATH,
          ].join(':')}`,
        ),
      ).toBe(true);
      expect(path).not.toContain(platform);
      expect(text).toContain('yarn env none');
      expect(text).toContain(
        `corepack home ${join(workdir, 'home', '.cache', 'node', 'corepack')}`,
      );
      // npm's own, not the platform's yarn.
      expect(text.find(l => l.startsWith('agent '))).toMatch(
        /^agent npm\/10\./,
      );
      expect(text.join('\n')).not.toContain('PLATFORM TOOL');
    } finally {
      await backend.close();
    }
  });

  it('refuses a version that is not here, listing what is', async () => {
    const repo = repoWith('', { '.node-version': '16.20.2\n' });
    const backend = await fakeBackend({ ...baseSpec, repoUrl: repo });
    const workdir = mkdtempSync(join(tmpdir(), 'novahost-br-tools-'));
    try {
      const out = await program('all', {
        PATH: process.env.PATH,
        NOVAHOST_API_URL: backend.api,
        NOVAHOST_DEPLOYMENT_ID: 'd1',
        NOVAHOST_BUILD_TOKEN: TOKEN,
        NOVAHOST_WORKDIR: workdir,
        NOVAHOST_SANDBOX: 'off',
        NOVAHOST_NODE_DIRS: NODE_DIR,
      });
      expect(out.code).toBe(1);
      const failed = backend.state.events.find(e => e.type === 'failed');
      expect(failed.error).toMatch(
        /^Node "16\.20\.2" \(from \.node-version: "16\.20\.2"\) is not available: builds can use Node 20\.\d+\.\d+, 22\.\d+\.\d+, 24\.\d+\.\d+\. Change \.node-version to one of these majors$/,
      );
      // Refused before anything ran.
      expect(backend.state.events.map(e => e.type)).toEqual(['failed']);
    } finally {
      await backend.close();
    }
  });
});
