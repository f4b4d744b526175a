import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  availableNodes,
  chooseNode,
  findNodeRequest,
  selectNode,
  type NodeInstall,
} from './nodeVersion.ts';

function dirWith(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'novahost-node-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const node = (version: string): NodeInstall => ({
  version,
  major: Number(version.split('.')[0]),
  bin: `/opt/node/${version}/bin`,
  root: `/opt/node/${version}`,
});
const HERE = [node('24.22.3'), node('22.23.5'), node('20.20.2')];
const LIST = 'Node 20.20.2, 22.23.5, 24.22.3';

describe('selectNode', () => {
  const nvmrc = (spec: string, available = HERE) =>
    selectNode({ spec, source: '.nvmrc' }, available);

  it.each([
    ['20', '20.20.2', 'Using Node 20.20.2 (from .nvmrc: "20")'],
    ['v20', '20.20.2', 'Using Node 20.20.2 (from .nvmrc: "v20")'],
    ['22.x', '22.23.5', 'Using Node 22.23.5 (from .nvmrc: "22.x")'],
    ['>=18', '24.22.3', 'Using Node 24.22.3 (from .nvmrc: ">=18")'],
    ['^20 || ^22', '22.23.5', 'Using Node 22.23.5 (from .nvmrc: "^20 || ^22")'],
    ['>=18 <23', '22.23.5', 'Using Node 22.23.5 (from .nvmrc: ">=18 <23")'],
    ['lts/*', '24.22.3', 'Using Node 24.22.3 (from .nvmrc: "lts/*")'],
    ['lts/-1', '22.23.5', 'Using Node 22.23.5 (from .nvmrc: "lts/-1")'],
    ['lts/iron', '20.20.2', 'Using Node 20.20.2 (from .nvmrc: "lts/iron")'],
    ['LTS/Jod', '22.23.5', 'Using Node 22.23.5 (from .nvmrc: "LTS/Jod")'],
    ['node', '24.22.3', 'Using Node 24.22.3 (from .nvmrc: "node")'],
    [
      '20.11.1',
      '20.20.2',
      'Using Node 20.20.2 (from .nvmrc: "20.11.1"; the newest 20.x here)',
    ],
  ])('%p → %p', (spec, version, line) => {
    expect(nvmrc(spec)).toEqual({
      node: HERE.find(n => n.version === version),
      line,
    });
  });

  it('takes the exact version when it is there, the newest of a major otherwise', () => {
    const two = [node('20.20.2'), node('20.11.1'), node('22.23.5')];
    expect(nvmrc('v20.11.1', two).node.version).toBe('20.11.1');
    expect(nvmrc('20', two).node.version).toBe('20.20.2');
    expect(nvmrc('~20.11.0', two).node.version).toBe('20.11.1');
  });

  it('refuses what is not available, listing what is', () => {
    expect(() => nvmrc('18')).toThrow(
      `Node "18" (from .nvmrc: "18") is not available: builds can use ${LIST}. Change .nvmrc to one of these majors`,
    );
    expect(() =>
      selectNode({ spec: '<20', source: 'package.json engines.node' }, HERE),
    ).toThrow(
      `Node "<20" (from package.json engines.node: "<20") is not available: builds can use ${LIST}. Change package.json engines.node to one of these majors`,
    );
    expect(() => nvmrc('lts/hydrogen')).toThrow(
      `Node "lts/hydrogen" (from .nvmrc: "lts/hydrogen") is not available: builds can use ${LIST}`,
    );
    expect(() => nvmrc('banana')).toThrow(
      `"banana" is not a Node.js version or range (from .nvmrc: "banana"). Builds can use ${LIST}`,
    );
    expect(() => nvmrc('lts/unknown')).toThrow(
      '"lts/unknown" names no Node.js LTS line',
    );
  });
});

describe('findNodeRequest', () => {
  it.each([
    [{ '.nvmrc': '20\n' }, { spec: '20', source: '.nvmrc' }],
    [
      { '.nvmrc': '# pinned for the docs\n\n  v22.1.0  # LTS\n' },
      { spec: 'v22.1.0', source: '.nvmrc' },
    ],
    [
      { '.node-version': '20.11.1' },
      { spec: '20.11.1', source: '.node-version' },
    ],
    [
      { 'package.json': JSON.stringify({ engines: { node: '>=18' } }) },
      { spec: '>=18', source: 'package.json engines.node' },
    ],
    [
      {
        '.nvmrc': '22',
        '.node-version': '20',
        'package.json': JSON.stringify({ engines: { node: '>=18' } }),
      },
      { spec: '22', source: '.nvmrc' },
    ],
    [
      {
        '.node-version': '20',
        'package.json': JSON.stringify({ engines: { node: '>=18' } }),
      },
      { spec: '20', source: '.node-version' },
    ],
    [{ '.nvmrc': '\n# nothing\n', 'package.json': '{}' }, undefined],
    [{ 'package.json': JSON.stringify({ engines: { node: 20 } }) }, undefined],
  ])('%p', (files, expected) => {
    const dir = dirWith(files);
    expect(findNodeRequest(dir, dir)).toEqual(expected);
  });

  it('looks up to the repository root, not beyond', () => {
    const outer = dirWith({
      '.nvmrc': '24',
      'repo/.nvmrc': 'lts/iron',
      'repo/apps/web/package.json': '{}',
      'repo/apps/docs/package.json': JSON.stringify({
        engines: { node: '^22' },
      }),
      'lone/apps/web/package.json': '{}',
    });
    const repo = join(outer, 'repo');
    expect(findNodeRequest(join(repo, 'apps/web'), repo)).toEqual({
      spec: 'lts/iron',
      source: '.nvmrc',
    });
    // The project's own engines.node comes before the root's file.
    expect(findNodeRequest(join(repo, 'apps/docs'), repo)).toEqual({
      spec: '^22',
      source: 'apps/docs/package.json engines.node',
    });
    const lone = join(outer, 'lone');
    expect(findNodeRequest(join(lone, 'apps/web'), lone)).toBeUndefined();
  });
});

describe('chooseNode', () => {
  it('uses the default when the project asks for nothing', () => {
    const dir = dirWith({ 'package.json': '{}' });
    const choose = (defaultSpec?: string, available = HERE) =>
      chooseNode({ projectDir: dir, repoRoot: dir, available, defaultSpec });
    expect(choose().line).toBe(
      'Using Node 24.22.3 (the default "lts/*": no .nvmrc, .node-version or engines.node)',
    );
    expect(choose('22').node.version).toBe('22.23.5');
    expect(() => choose('18')).toThrow(
      `Node "18" (the default "18": no .nvmrc, .node-version or engines.node) is not available: builds can use ${LIST}. Set novahost.builds.defaultNodeVersion to one of these`,
    );
    // No LTS line here at all: the built-in default takes the newest.
    expect(choose(undefined, [node('23.1.0')]).node.version).toBe('23.1.0');
  });
});

describe('availableNodes', () => {
  /** An installation whose node prints `version` (a real program, run). */
  const fakeInstall = (root: string, version: string) => {
    mkdirSync(join(root, 'bin'), { recursive: true });
    writeFileSync(join(root, 'bin', 'node'), `#!/bin/sh\necho v${version}\n`, {
      mode: 0o755,
    });
  };

  it('finds installations and directories of them, newest first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'novahost-nodes-'));
    fakeInstall(join(dir, 'versions', '20'), '20.20.2');
    fakeInstall(join(dir, 'versions', '24'), '24.22.3');
    mkdirSync(join(dir, 'versions', 'junk'));
    fakeInstall(join(dir, 'single'), '22.23.5');
    fakeInstall(join(dir, 'broken'), 'not a version');
    const env = {
      NOVAHOST_NODE_DIRS: [
        join(dir, 'versions'),
        join(dir, 'single'),
        join(dir, 'broken'),
        join(dir, 'missing'),
      ].join(':'),
    };
    expect(availableNodes(env)).toEqual([
      {
        version: '24.22.3',
        major: 24,
        bin: join(dir, 'versions', '24', 'bin'),
        root: join(dir, 'versions', '24'),
      },
      {
        version: '22.23.5',
        major: 22,
        bin: join(dir, 'single', 'bin'),
        root: join(dir, 'single'),
      },
      {
        version: '20.20.2',
        major: 20,
        bin: join(dir, 'versions', '20', 'bin'),
        root: join(dir, 'versions', '20'),
      },
    ]);
  });

  it('is the node running the program when none is configured', () => {
    expect(availableNodes({})).toEqual([
      {
        version: process.versions.node,
        major: Number(process.versions.node.split('.')[0]),
        bin: dirname(process.execPath),
      },
    ]);
  });
});
