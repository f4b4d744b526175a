import { ConfigReader } from '@backstage/config';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { buildToolsEnv, localNodeInstallations } from './buildTools';

const config = (novahost: object) => new ConfigReader({ novahost });

describe('buildToolsEnv', () => {
  it('hands the default Node version and corepack keys to the build program', () => {
    expect(buildToolsEnv(config({}))).toEqual({});
    expect(
      buildToolsEnv(
        config({
          builds: {
            defaultNodeVersion: ' lts/jod ',
            corepack: { integrityKeys: '0' },
          },
        }),
      ),
    ).toEqual({
      NOVAHOST_DEFAULT_NODE_VERSION: 'lts/jod',
      NOVAHOST_COREPACK_INTEGRITY_KEYS: '0',
    });
    const keys = JSON.stringify({ npm: [{ keyid: 'SHA256:x', key: 'y' }] });
    expect(
      buildToolsEnv(config({ builds: { corepack: { integrityKeys: keys } } })),
    ).toEqual({ NOVAHOST_COREPACK_INTEGRITY_KEYS: keys });
  });

  it('refuses what the build program could not use', () => {
    expect(() =>
      buildToolsEnv(config({ builds: { defaultNodeVersion: '22; rm -rf /' } })),
    ).toThrow(
      "novahost.builds.defaultNodeVersion: '22; rm -rf /' is not a Node.js version, range or alias (e.g. 22, lts/*)",
    );
    expect(() =>
      buildToolsEnv(
        config({ builds: { corepack: { integrityKeys: 'false' } } }),
      ),
    ).toThrow(/must be "0" \(no signature check\) or the registry's keys/);
  });
});

describe('localNodeInstallations', () => {
  let root: string;
  /** An installation whose node prints `version` (a real program, run). */
  const install = (dir: string, version: string) => {
    fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'bin', 'node'),
      `#!/bin/sh\necho v${version}\n`,
      { mode: 0o755 },
    );
    return dir;
  };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-nodes-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads a directory of installations and single installations', () => {
    install(path.join(root, 'versions', '20'), '20.20.2');
    install(path.join(root, 'versions', '22'), '22.23.5');
    fs.mkdirSync(path.join(root, 'versions', 'not-node'));
    const extra = install(path.join(root, 'node-24'), '24.22.3');
    expect(
      localNodeInstallations(
        config({
          runner: {
            local: {
              nodeDirectory: path.join(root, 'versions'),
              nodeInstallations: [extra],
            },
          },
        }),
      ),
    ).toEqual([
      { dir: extra, version: '24.22.3' },
      { dir: path.join(root, 'versions', '20'), version: '20.20.2' },
      { dir: path.join(root, 'versions', '22'), version: '22.23.5' },
    ]);
    expect(localNodeInstallations(config({}))).toEqual([]);
  });

  it('fails start-up on an installation that does not run', () => {
    expect(() =>
      localNodeInstallations(
        config({
          runner: { local: { nodeInstallations: [path.join(root, 'x')] } },
        }),
      ),
    ).toThrow(
      `novahost.runner.local.nodeInstallations: ${root}/x/bin/node does not run`,
    );
    expect(() =>
      localNodeInstallations(
        config({
          runner: { local: { nodeDirectory: path.join(root, 'none') } },
        }),
      ),
    ).toThrow(/holds no Node.js installation .*scripts\/setup.sh provisions/);
  });

  it('refuses an installation that would show builds the backend’s files', () => {
    // Builds see an installation read-only: not one holding the backend's directory.
    const dir = install(path.join(root, 'app'), '22.23.5');
    expect(() =>
      localNodeInstallations(
        config({ runner: { local: { nodeInstallations: [dir] } } }),
        [path.join(dir, 'packages', 'backend')],
      ),
    ).toThrow(
      `novahost.runner.local.nodeInstallations: ${dir} holds ${path.join(
        dir,
        'packages',
        'backend',
      )}, which builds must not see`,
    );
  });
});
