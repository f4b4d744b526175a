import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  imageChain,
  instructions,
  parseDockerfile,
  stagesNeeded,
} from './dockerfile.ts';
import { repoRoot } from './index.ts';

/** .dockerignore patterns as regular expressions over repo-relative paths. */
function ignored(root: string): (path: string) => boolean {
  const patterns = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
    .map(
      p =>
        new RegExp(
          `^${p
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*\*\//g, '\0')
            .replace(/\*/g, '[^/]*')
            .replace(/\0/g, '(.*/)?')}(/|$)`,
        ),
    );
  return path => patterns.some(re => re.test(path));
}

const DOCKERFILES = ['Dockerfile', 'packages/build-runner/Dockerfile'];

/**
 * Each image: its file, its --target (none: the last stage) and the
 * workspace packages its build runs `yarn --cwd packages/<name> build` for.
 */
const IMAGES = [
  { target: 'backend', file: 'Dockerfile', builds: ['backend'] },
  { target: 'proxy', file: 'Dockerfile', builds: ['proxy'] },
  { target: undefined, file: 'packages/build-runner/Dockerfile', builds: [] },
];

const read = (file: string) => readFileSync(join(repoRoot(), file), 'utf8');

describe.each(DOCKERFILES)('%s', file => {
  const root = repoRoot();
  const steps = instructions(read(file));

  it('copies only paths that exist and reach the build context', () => {
    const isIgnored = ignored(root);
    const sources = steps
      .filter(
        s => s.op === 'COPY' && !s.args.some(a => a.startsWith('--from=')),
      )
      .flatMap(s => s.args.filter(a => !a.startsWith('--')).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    const problems = sources
      .map(src => src.replace(/\/$/, ''))
      .filter(src => !existsSync(join(root, src)) || isIgnored(src));
    expect(problems).toEqual([]);
  });

  it('never downloads into the image with ADD', () => {
    expect(steps.filter(s => s.op === 'ADD')).toEqual([]);
  });
});

describe.each(IMAGES)('$file --target $target', ({ file, target, builds }) => {
  const dockerfile = parseDockerfile(read(file));
  // The image's own instructions: its stage and the stages it is FROM.
  const chain = imageChain(dockerfile, target);
  const finalStage = chain.flatMap(s => s.steps);
  const needed = stagesNeeded(dockerfile, target);
  const runs = needed
    .flatMap(s => s.steps)
    .filter(s => s.op === 'RUN')
    .map(s => s.args.join(' '));

  it('is multi-stage on a slim Node 22 base', () => {
    expect(needed.length).toBeGreaterThanOrEqual(2);
    const base = dockerfile.globals.find(
      s => s.op === 'ARG' && s.args[0].startsWith('NODE_IMAGE='),
    );
    expect(base?.args[0]).toMatch(/^NODE_IMAGE=node:22[\w.-]*-slim$/);
    expect(chain[0].base).toBe('${NODE_IMAGE}');
  });

  it('runs as a non-root user with files it cannot change', () => {
    const users = finalStage.filter(s => s.op === 'USER');
    expect(users.length).toBeGreaterThanOrEqual(1);
    const user = users[users.length - 1].args[0];
    expect(user).toMatch(/^[1-9][0-9]*(:[1-9][0-9]*)?$/);
    // What the final stage copies is owned by root, not by the user running it.
    const copies = finalStage.filter(s => s.op === 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) expect(c.args).toContain('--chown=root:root');
    expect(finalStage.some(s => s.op === 'CMD' || s.op === 'ENTRYPOINT')).toBe(
      true,
    );
  });

  it('builds its own package only, shipped with production dependencies', () => {
    const built = runs.flatMap(r =>
      [...r.matchAll(/yarn --cwd packages\/([\w-]+) build/g)].map(m => m[1]),
    );
    expect(built).toEqual(builds);
    // The production install is part of every bundled package's image.
    expect(
      runs.some(r => r.includes('yarn workspaces focus --all --production')),
    ).toBe(builds.length > 0);
  });
});

describe('.dockerignore', () => {
  it('keeps local state, dependencies and secrets out of the build context', () => {
    const isIgnored = ignored(repoRoot());
    for (const p of [
      '.git',
      'node_modules',
      'packages/proxy/node_modules',
      'packages/proxy/dist',
      '.novahost',
      'app-config.local.yaml',
      '.yarn/cache',
      '.env',
    ]) {
      expect({ p, ignored: isIgnored(p) }).toEqual({ p, ignored: true });
    }
    for (const p of [
      '.yarn/releases/yarn-4.13.0.cjs',
      'yarn.lock',
      'packages/proxy/src/index.ts',
    ]) {
      expect({ p, ignored: isIgnored(p) }).toEqual({ p, ignored: false });
    }
  });
});
