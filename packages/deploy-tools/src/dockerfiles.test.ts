import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './index.ts';

type Instruction = { op: string; args: string[] };

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'))
    .map(l => {
      const [op, ...args] = l.split(/\s+/);
      return { op: op.toUpperCase(), args };
    });
}

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

const DOCKERFILES = [
  'packages/backend/Dockerfile',
  'packages/proxy/Dockerfile',
  'packages/build-runner/Dockerfile',
];

describe.each(DOCKERFILES)('%s', file => {
  const root = repoRoot();
  const steps = instructions(readFileSync(join(root, file), 'utf8'));
  const stages = steps.filter(s => s.op === 'FROM');
  const finalStage = steps.slice(steps.lastIndexOf(stages[stages.length - 1]));

  it('is multi-stage on a slim Node 22 base', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const base = steps.find(
      s => s.op === 'ARG' && s.args[0].startsWith('NODE_IMAGE='),
    );
    expect(base?.args[0]).toMatch(/^NODE_IMAGE=node:22[\w.-]*-slim$/);
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
