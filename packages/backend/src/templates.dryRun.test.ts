import { mockCredentials } from '@backstage/backend-test-utils';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import {
  loadTemplate,
  startScaffolderBackend,
} from './__testUtils__/scaffolderBackend';

jest.setTimeout(60_000);

type DryRunFile = { path: string; base64Content: string };
type DryRunResult = {
  log: Array<{ body: { message: string; stepId?: string; status?: string } }>;
  directoryContents: DryRunFile[];
  output: { links?: Array<{ title: string; url?: string }>; text?: unknown };
};

describe('templates in the scaffolder dry-run API', () => {
  let env: Awaited<ReturnType<typeof startScaffolderBackend>>;

  beforeAll(async () => {
    env = await startScaffolderBackend({});
  });

  afterAll(async () => {
    await env?.backend.stop();
  });

  const dryRun = async (name: string, values: object) => {
    const { entity, files } = loadTemplate(name);
    const res = await fetch(`${env.baseUrl}/api/scaffolder/v2/dry-run`, {
      method: 'POST',
      headers: {
        Authorization: mockCredentials.user.header(),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        template: entity,
        values,
        directoryContents: files,
      }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  const filesOf = (result: DryRunResult) =>
    Object.fromEntries(
      result.directoryContents.map(f => [
        f.path,
        Buffer.from(f.base64Content, 'base64').toString('utf8'),
      ]),
    );

  /** A dry run that must succeed: its result and the files it would write. */
  const dryRunFiles = async (name: string, values: object) => {
    const { status, body } = await dryRun(name, values);
    expect(status).toBe(200);
    return { body, files: filesOf(body) };
  };

  const messages = (result: DryRunResult) =>
    result.log.map(l => l.body.message);

  const expectCatalogInfo = (yamlText: string, name: string, owner: string) => {
    const entity = YAML.parse(yamlText);
    expect(entity).toMatchObject({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name,
        annotations: {
          'novahost.dev/project': name,
          // The Kubernetes tab lists the project's build Jobs.
          'backstage.io/kubernetes-id': name,
          'backstage.io/kubernetes-namespace': 'novahost-builds',
        },
        links: [{ url: `http://${name}.localhost:8080`, title: 'Live site' }],
      },
      spec: { type: 'website', owner },
    });
  };

  it('React + Vite: a buildable app with a Novahost-ready catalog-info.yaml', async () => {
    const { body, files } = await dryRunFiles('react-vite-spa', {
      name: 'team-dashboard',
      description: 'Dashboards for "the team"',
      owner: 'group:default/web',
    });
    expect(Object.keys(files).sort()).toEqual([
      '.gitignore',
      'README.md',
      'catalog-info.yaml',
      'index.html',
      'package.json',
      'public/favicon.svg',
      'src/App.tsx',
      'src/index.css',
      'src/main.tsx',
      'tsconfig.json',
      'vite.config.ts',
    ]);
    expectCatalogInfo(
      files['catalog-info.yaml'],
      'team-dashboard',
      'group:default/web',
    );
    expect(YAML.parse(files['catalog-info.yaml']).metadata.description).toBe(
      'Dashboards for "the team"',
    );
    const pkg = JSON.parse(files['package.json']);
    expect(pkg.name).toBe('team-dashboard');
    expect(pkg.scripts.build).toBe('vite build');
    expect(files['src/App.tsx']).toContain('<h1>team-dashboard</h1>');
    expect(files['index.html']).toContain('<title>team-dashboard</title>');

    const log = messages(body);
    expect(log).toContainEqual(
      expect.stringContaining('Publishing to local (default)'),
    );
    expect(log).toContainEqual(
      expect.stringContaining(
        'The site will be http://team-dashboard.localhost:8080',
      ),
    );
    expect(log).toContainEqual(
      expect.stringMatching(/Dry run: would create .*team-dashboard\.git/),
    );
    // The project is linked to the component the template registers.
    expect(log).toContainEqual(
      expect.stringMatching(
        /Dry run: would create or reuse Novahost project 'team-dashboard' .*, owned by group:default\/web, linked to component:default\/team-dashboard$/,
      ),
    );
    expect(log).toContainEqual(
      expect.stringContaining(
        "Dry run: would deploy Novahost project 'team-dashboard' and wait",
      ),
    );
    expect(body.output.links).toContainEqual({
      title: 'Live site',
      url: 'http://team-dashboard.localhost:8080',
    });
    expect(fs.existsSync(env.reposDir)).toBe(false); // a dry run publishes nothing
  });

  it('static site: pages that the build script turns into a site', async () => {
    const { files } = await dryRunFiles('static-site', {
      name: 'handbook',
      description: 'How we work',
      kind: 'documentation',
      owner: 'group:default/platform',
    });
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining([
        'build.mjs',
        'layout.html',
        'pages/index.html',
        'pages/404.html',
        'public/style.css',
        'site.json',
        'package.json',
        'catalog-info.yaml',
      ]),
    );
    expectCatalogInfo(
      files['catalog-info.yaml'],
      'handbook',
      'group:default/platform',
    );
    expect(JSON.parse(files['site.json'])).toMatchObject({
      title: 'handbook',
      description: 'How we work',
      url: 'http://handbook.localhost:8080',
    });

    // The generated site builds with plain Node, as Novahost will build it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-static-'));
    for (const [p, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      fs.writeFileSync(path.join(dir, p), content);
    }
    execFileSync(process.execPath, ['build.mjs'], { cwd: dir });
    const index = fs.readFileSync(path.join(dir, 'dist/index.html'), 'utf8');
    expect(index).toContain('<title>Home · handbook</title>');
    expect(index).toContain('<h1>handbook</h1>');
    expect(fs.existsSync(path.join(dir, 'dist/getting-started.html'))).toBe(
      true,
    );
    expect(fs.existsSync(path.join(dir, 'dist/404.html'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'dist/style.css'))).toBe(true);
  });

  it('import: only a catalog-info.yaml, committed onto the existing repository', async () => {
    const { body, files } = await dryRunFiles('import-repository', {
      name: 'legacy-site',
      owner: 'group:default/web',
      localRepo: 'legacy-site',
      branch: 'main',
    });
    expect(Object.keys(files)).toEqual(['catalog-info.yaml']);
    expectCatalogInfo(
      files['catalog-info.yaml'],
      'legacy-site',
      'group:default/web',
    );
    expect(messages(body)).toContainEqual(
      expect.stringMatching(
        /Dry run: would update .*legacy-site\.git \(main\)/,
      ),
    );
  });

  // Without an owner, the user running the template owns the component and
  // the project (Novahost refuses owners the user does not belong to).
  it.each([
    ['react-vite-spa', { name: 'bare-app' }],
    ['static-site', { name: 'bare-site' }],
    ['import-repository', { name: 'bare-import', localRepo: 'bare-import' }],
  ])(
    '%s works with only the required values (API callers get no form defaults)',
    async (name, values) => {
      const { body, files } = await dryRunFiles(name, values);
      const entity = YAML.parse(files['catalog-info.yaml']);
      expect(typeof entity.metadata.description).toBe('string');
      expect(entity.metadata.description.length).toBeGreaterThan(0);
      const user = mockCredentials.user().principal.userEntityRef;
      expectCatalogInfo(files['catalog-info.yaml'], values.name, user);
      expect(messages(body)).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `Dry run: would create or reuse Novahost project '${values.name}' .*, owned by ${user}, linked to component:default/${values.name}$`,
          ),
        ),
      );
    },
  );

  it.each([
    ['react-vite-spa', { name: 'Not DNS safe!', owner: 'group:default/web' }],
    ['static-site', { name: 'x', owner: 'group:default/web', kind: 'blog' }],
    [
      'import-repository',
      {
        name: 'ok',
        owner: 'group:default/web',
        repoHost: 'local',
        localRepo: '../etc',
      },
    ],
    // GitHub chosen in the form: the repository picker is required.
    [
      'react-vite-spa',
      { name: 'gh', owner: 'group:default/web', repoHost: 'github' },
    ],
  ])('%s rejects invalid parameters %j', async (name, values) => {
    const { status, body } = await dryRun(name, values);
    expect(status).toBe(400);
    expect(body.errors.length).toBeGreaterThan(0);
  });
});
