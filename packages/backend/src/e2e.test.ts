import { mockCredentials } from '@backstage/backend-test-utils';
import {
  freePort,
  startTestProxy,
  type TestProxy,
} from '@internal/novahost-proxy/testUtils';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import {
  startScaffolderBackend,
  TEMPLATES_DIR,
} from './__testUtils__/scaffolderBackend';

/**
 * The whole flow on the embedded default, with nothing faked: the React +
 * Vite template runs as a real scaffolder task (publish to a local bare
 * repository, catalog registration through the local git URL reader,
 * project, deployment), the local build runner does a real `npm install`
 * and `vite build` from the npm registry, and the real proxy serves the
 * result.
 */
jest.setTimeout(300_000);

const user = { Authorization: mockCredentials.user.header() };
const NAME = 'e2e-dashboard';

async function eventually<T>(
  fn: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    // A poll that fails to connect (a reset keep-alive socket on a loaded
    // machine) is tried again; a backend that stays down times out below.
    let value: T | undefined;
    try {
      value = await fn();
    } catch (e) {
      lastError = e;
    }
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const cause = lastError
        ? ` (last error: ${lastError}, cause: ${(lastError as Error).cause})`
        : '';
      throw new Error(`Timed out waiting for ${what}${cause}`);
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

describe('React + Vite template, end to end on the embedded default', () => {
  let env: Awaited<ReturnType<typeof startScaffolderBackend>>;
  let proxy: TestProxy;
  let proxyPort: number;

  beforeAll(async () => {
    // The backend gives projects their URLs on the proxy's port: pick it first.
    proxyPort = await freePort();
    env = await startScaffolderBackend({
      publicPort: proxyPort,
      catalogLocations: [
        path.join(TEMPLATES_DIR, 'react-vite-spa/template.yaml'),
      ],
    });
    proxy = await startTestProxy({
      routes: {
        backendUrl: `${env.baseUrl}/api/novahost`,
        // The test backend's auth accepts mock service tokens.
        token: mockCredentials.service.token(),
      },
      store: env.storeDir,
      port: proxyPort,
      config: { accessLog: false },
    });
  });

  afterAll(async () => {
    await proxy?.stop();
    await env?.backend.stop();
  });

  const api = async (method: string, p: string, body?: object) => {
    const res = await fetch(`${env.baseUrl}${p}`, {
      method,
      headers: { ...user, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  it('goes from the template to a live site served by the proxy', async () => {
    // The catalog picks the template up from its file location.
    await eventually(async () => {
      const r = await api(
        'GET',
        '/api/catalog/entities/by-name/template/default/novahost-react-vite-spa',
      );
      return r.status === 200 ? r.body : undefined;
    }, 'the template in the catalog');

    const created = await api('POST', '/api/scaffolder/v2/tasks', {
      templateRef: 'template:default/novahost-react-vite-spa',
      values: {
        name: NAME,
        description: 'End-to-end dashboard',
        owner: 'group:default/web',
      },
    });
    expect(created.status).toBe(201);
    const taskId = created.body.id;

    const taskLog = async () =>
      (
        (await api('GET', `/api/scaffolder/v2/tasks/${taskId}/events`))
          .body as Array<{ type: string; body: any }>
      )
        .map(e => `${e.type}: ${e.body.message ?? JSON.stringify(e.body)}`)
        .join('\n');
    const task = await eventually(
      async () => {
        const r = await api('GET', `/api/scaffolder/v2/tasks/${taskId}`);
        return ['completed', 'failed', 'cancelled'].includes(r.body.status)
          ? r.body
          : undefined;
      },
      'the scaffolder task',
      Number(process.env.E2E_TASK_TIMEOUT_MS ?? 240_000),
    ).catch(async e => {
      throw new Error(`${e.message}; task log:\n${await taskLog()}`);
    });
    const events = (
      await api('GET', `/api/scaffolder/v2/tasks/${taskId}/events`)
    ).body as Array<{ type: string; body: any }>;
    const log = events
      .filter(e => e.type === 'log')
      // Task log lines carry the logger's (and vite's) colors.
      .map(e => stripVTControlCharacters(e.body.message as string));
    if (task.status !== 'completed') {
      throw new Error(`Task ${task.status}:\n${log.join('\n')}`);
    }

    // The build log reached the task log.
    expect(log.some(m => /vite v\d+\.\d+\.\d+ building/.test(m))).toBe(true);
    expect(log.some(m => /✓ built in/.test(m))).toBe(true);
    const liveUrl = `http://${NAME}.localhost:${proxyPort}`;
    expect(log).toContainEqual(
      expect.stringContaining(`is live at http://${NAME}-`),
    );

    const completion = events.find(e => e.type === 'completion')!;
    expect(completion.body.output.links).toEqual(
      expect.arrayContaining([
        { title: 'Live site', url: liveUrl },
        expect.objectContaining({
          title: 'Repository',
          url: `file://${path.join(env.reposDir, `${NAME}.git`)}`,
        }),
        expect.objectContaining({
          title: 'Open in catalog',
          entityRef: `component:default/${NAME}`,
        }),
      ]),
    );

    // The component is in the catalog, read from the local repository.
    const entity = await eventually(async () => {
      const r = await api(
        'GET',
        `/api/catalog/entities/by-name/component/default/${NAME}`,
      );
      return r.status === 200 ? r.body : undefined;
    }, 'the component in the catalog');
    expect(entity.metadata.annotations['novahost.dev/project']).toBe(NAME);
    expect(entity.metadata.links).toEqual([
      expect.objectContaining({ url: liveUrl, title: 'Live site' }),
    ]);
    expect(entity.spec.owner).toBe('group:default/web');

    // The project is live in production.
    const project = (await api('GET', `/api/novahost/projects/${NAME}`)).body;
    expect(project.url).toBe(liveUrl);
    expect(project.spa).toBe(true);
    expect(project.productionDeploymentId).toBeTruthy();

    // The proxy serves the Vite build.
    const host = `${NAME}.localhost:${proxyPort}`;
    const page = await eventually(
      async () => {
        const r = await proxy.get(host, '/');
        return r.status === 200 ? r : undefined;
      },
      'the site through the proxy',
      10_000,
    );
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain(`<title>${NAME}</title>`);
    const script =
      /<script type="module" crossorigin src="(\/assets\/index-[\w-]+\.js)"><\/script>/.exec(
        page.body,
      );
    expect(script).not.toBeNull();
    const bundle = await proxy.get(host, script![1]);
    expect(bundle.status).toBe(200);
    expect(bundle.headers['cache-control']).toBe(
      'public, max-age=31536000, immutable',
    );
    expect(bundle.body).toContain(NAME); // the app's heading, compiled into the bundle
    expect(bundle.body).toContain('Clicked');
    // A client-side route falls back to index.html (single-page app).
    const deep = await proxy.get(host, '/reports/2026');
    expect(deep.status).toBe(200);
    expect(deep.body).toContain(`<title>${NAME}</title>`);
  });
});
