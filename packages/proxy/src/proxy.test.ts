import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RouteTable } from '@internal/plugin-novahost-common';
import {
  TEST_PROXY_TOKEN,
  createStore,
  eventually,
  project,
  sendRaw,
  sha256,
  startFakeBackend,
  startTestProxy,
  type FakeBackend,
  type TestProxy,
} from './testUtils';

describe('novahost proxy (real servers)', () => {
  const store = createStore();
  const v1 = store.deploy({
    'index.html': '<h1>v1</h1>',
    'about.html': '<p>about</p>',
    'docs/index.html': '<p>docs</p>',
    '404.html': '<p>custom 404</p>',
    'assets/app.js': 'console.log(1)',
    'data.json': '{"a":1}',
    'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
  });
  const v2 = store.deploy({
    'index.html': '<h1>v2</h1>',
    'about.html': '<p>about</p>',
  });
  const spa = store.deploy({
    'index.html': '<div id="root"></div>',
    'app.js': 'x',
  });
  const table = (production: string, version: number): RouteTable => ({
    version,
    generatedAt: new Date().toISOString(),
    projects: [
      project('site', production, [
        { id: v1, shortId: 'aaaa1111' },
        { id: v2, shortId: 'bbbb2222' },
      ]),
      project('app', spa, [{ id: spa, shortId: 'cccc3333' }], true),
      project('unreleased', null),
    ],
  });

  let proxy: TestProxy;
  // The fake backend; the last test stops it and starts another.
  let backend: FakeBackend;

  beforeAll(async () => {
    const routesCacheFile = join(
      mkdtempSync(join(tmpdir(), 'novahost-proxy-')),
      'routes.json',
    );
    proxy = await startTestProxy({
      routes: table(v1, 1),
      store: store.dir,
      config: { routesCacheFile },
      reconnectDelayMs: 50,
    });
    backend = proxy.backend!;
    await eventually(() => {
      if (proxy.routes.version !== 1) throw new Error('no routes yet');
    });
  });

  afterAll(async () => {
    await proxy?.stop();
    await backend?.stop();
  });

  it.each([
    [
      'site.localhost:8080',
      '/',
      200,
      '<h1>v1</h1>',
      'text/html; charset=utf-8',
    ],
    ['SITE.LOCALHOST.', '/', 200, '<h1>v1</h1>', 'text/html; charset=utf-8'],
    [
      'site.localhost',
      '/index.html',
      200,
      '<h1>v1</h1>',
      'text/html; charset=utf-8',
    ],
    [
      'site.localhost',
      '/about',
      200,
      '<p>about</p>',
      'text/html; charset=utf-8',
    ],
    [
      'site.localhost',
      '/about.html',
      200,
      '<p>about</p>',
      'text/html; charset=utf-8',
    ],
    [
      'site.localhost',
      '/docs/',
      200,
      '<p>docs</p>',
      'text/html; charset=utf-8',
    ],
    [
      'site.localhost',
      '/assets/app.js?v=3',
      200,
      'console.log(1)',
      'text/javascript; charset=utf-8',
    ],
    [
      'site.localhost',
      '/data.json',
      200,
      '{"a":1}',
      'application/json; charset=utf-8',
    ],
    [
      'site.localhost',
      '/missing',
      404,
      '<p>custom 404</p>',
      'text/html; charset=utf-8',
    ],
    [
      'site-bbbb2222.localhost',
      '/',
      200,
      '<h1>v2</h1>',
      'text/html; charset=utf-8',
    ],
    [
      'site-aaaa1111.localhost',
      '/about',
      200,
      '<p>about</p>',
      'text/html; charset=utf-8',
    ],
    [
      'app.localhost',
      '/some/client/route',
      200,
      '<div id="root"></div>',
      'text/html; charset=utf-8',
    ],
    ['app.localhost', '/app.js', 200, 'x', 'text/javascript; charset=utf-8'],
  ])('GET %s%s → %i', async (host, path, status, body, type) => {
    const res = await proxy.get(host, path);
    expect(res.status).toBe(status);
    expect(res.body).toBe(body);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // Only the production site may be indexed.
    expect(res.headers['x-robots-tag']).toBe(
      /^site-[a-z0-9]{8}\./.test(host) ? 'noindex' : undefined,
    );
  });

  it('serves binary files byte for byte with their type', async () => {
    const res = await proxy.get('site.localhost', '/image.png');
    expect(res.headers['content-type']).toBe('image/png');
    expect([...res.bytes]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it.each([
    ['unknown.localhost', '/'],
    ['localhost', '/'],
    ['unreleased.localhost', '/'],
    ['site-00000000.localhost', '/'],
    ['site.localhost.evil.test', '/'],
    ['127.0.0.1', '/'],
  ])('answers %s with the Novahost 404 page', async (host, path) => {
    const res = await proxy.get(host, path);
    expect(res.status).toBe(404);
    expect(res.body).toContain('Novahost');
    expect(res.body).not.toContain(host);
  });

  it('uses ETags: 304 on a match, HEAD without a body', async () => {
    const first = await proxy.get('site.localhost', '/');
    expect(first.headers.etag).toBe(`"${sha256('<h1>v1</h1>')}"`);
    expect(first.headers['content-length']).toBe(String('<h1>v1</h1>'.length));
    const again = await proxy.get('site.localhost', '/', {
      headers: { 'if-none-match': `W/"nope", ${first.headers.etag}` },
    });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    const other = await proxy.get('site.localhost', '/', {
      headers: { 'if-none-match': '"other"' },
    });
    expect(other.status).toBe(200);
    const head = await proxy.get('site.localhost', '/about', {
      method: 'HEAD',
    });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String('<p>about</p>'.length));
    const post = await proxy.get('site.localhost', '/', {
      method: 'POST',
    });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  // Sent as raw bytes on a socket, so no client library normalizes them.
  it.each([
    '/../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    '/docs/..%2f..%2f..%2fetc%2fpasswd',
    '/..\\..\\etc\\passwd',
    '/%5c..%5c..%5cetc%5cpasswd',
    '/index.html%00.png',
    '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
    '/%252e%252e/%252e%252e/etc/passwd',
    '//etc/passwd',
    '/./index.html',
  ])('keeps %p inside the deployment', async path => {
    const raw = await sendRaw(
      proxy.port,
      `GET ${path} HTTP/1.1\r\nHost: site.localhost\r\nConnection: close\r\n\r\n`,
    );
    const status = Number(raw.split(' ')[1]);
    expect([400, 404]).toContain(status);
    expect(raw).not.toMatch(/root:|daemon:/);
    expect(raw).not.toContain('<h1>v1</h1>');
  });

  it('exposes health and readiness on the admin port', async () => {
    const health = await proxy.getAdmin('/healthz');
    expect(health.status).toBe(200);
    const ready = await proxy.getAdmin('/readyz');
    expect(JSON.parse(ready.body)).toMatchObject({
      status: 'ready',
      backendConnected: true,
    });
  });

  it('applies a promote within a second and keeps serving while the backend is down', async () => {
    const started = Date.now();
    backend.publish(table(v2, 2));
    await eventually(async () => {
      expect((await proxy.get('site.localhost', '/')).body).toBe('<h1>v2</h1>');
    }, 1000);
    expect(Date.now() - started).toBeLessThan(1000);

    // Rollback.
    backend.publish(table(v1, 3));
    await eventually(async () => {
      expect((await proxy.get('site.localhost', '/')).body).toBe('<h1>v1</h1>');
    }, 1000);

    const port = backend.port;
    await backend.stop();
    await eventually(() => expect(proxy.subscriber.isConnected).toBe(false));
    for (let i = 0; i < 5; i++) {
      const res = await proxy.get('site.localhost', '/');
      expect(res.status).toBe(200);
      expect(res.body).toBe('<h1>v1</h1>');
    }

    // A proxy that starts while the backend is down serves the cached table.
    await proxy.routes.flush();
    const cold = await startTestProxy({
      routes: { backendUrl: backend.url, token: TEST_PROXY_TOKEN },
      store: store.dir,
      config: { routesCacheFile: proxy.config.routesCacheFile },
      reconnectDelayMs: 50,
    });
    try {
      const res = await cold.get('site.localhost', '/');
      expect(res.status).toBe(200);
      expect(res.body).toBe('<h1>v1</h1>');
    } finally {
      await cold.stop();
    }

    // The backend comes back (a restart: its versions start low again) and
    // the running proxy applies its table within a second of reconnecting.
    backend = await startFakeBackend(TEST_PROXY_TOKEN, table(v2, 1), port);
    const back = Date.now();
    await eventually(async () => {
      expect((await proxy.get('site.localhost', '/')).body).toBe('<h1>v2</h1>');
    }, 2000);
    expect(Date.now() - back).toBeLessThan(1500);
  });
});
