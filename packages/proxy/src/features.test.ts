import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import type { RouteTable } from '@internal/plugin-novahost-common';
import type { ProxyConfig } from './config';
import {
  createStore,
  project,
  sendRaw,
  sha256,
  startTestProxy,
  type TestProxy,
} from './testUtils';

const big = 'console.log("hello novahost");\n'.repeat(200);

describe('proxy behaviour static hosts are known for', () => {
  const store = createStore();
  const site = store.deploy({
    'index.html': '<h1>home</h1>',
    'about.html': '<p>about</p>',
    'docs/index.html': '<p>docs</p>',
    'assets/index-BxY12_aZ.js': big,
    'assets/app.js': big,
    'video.bin': Buffer.from(Array.from({ length: 100 }, (_, i) => i)),
    'blog/new-post.html': '<p>new post</p>',
    'app/index.html': '<p>app shell</p>',
    'closed.html': '<p>closed</p>',
    _redirects: [
      '/old-blog/:slug  /blog/:slug  301',
      '/go  https://example.com/landing  302',
      '/app/*  /app/index.html  200',
      '/gone  /closed.html  404',
      '/about  /blog/new-post  301',
    ].join('\n'),
    _headers: [
      '/assets/*',
      '  Access-Control-Allow-Origin: *',
      '/*',
      '  X-Frame-Options: DENY',
    ].join('\n'),
  });
  const table: RouteTable = {
    version: 1,
    generatedAt: '',
    projects: [project('site', site, [{ id: site, shortId: 'aaaa1111' }])],
  };
  let proxy: TestProxy;

  beforeAll(async () => {
    proxy = await startTestProxy({
      routes: table,
      store: store.dir,
      config: {
        hsts: 'max-age=63072000; includeSubDomains',
        rateLimit: { requestsPerSecond: 1000, burst: 1000 },
      },
    });
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it.each([
    ['/docs', 308, '/docs/'],
    ['/docs?tab=2', 308, '/docs/?tab=2'],
    ['/blog/new-post/', 308, '/blog/new-post'],
    ['/old-blog/hello?ref=x', 301, '/blog/hello?ref=x'],
    ['/go', 302, 'https://example.com/landing'],
  ])('GET %s → %i %s', async (path, status, location) => {
    const res = await proxy.get('site.localhost', path);
    expect(res.status).toBe(status);
    expect(res.headers.location).toBe(location);
  });

  it('lets files shadow unforced rules, rewrites with 200 and 404, and never serves its config files', async () => {
    expect((await proxy.get('site.localhost', '/about')).body.toString()).toBe(
      '<p>about</p>',
    );
    const app = await proxy.get('site.localhost', '/app/settings/profile');
    expect([app.status, app.body.toString()]).toEqual([
      200,
      '<p>app shell</p>',
    ]);
    const gone = await proxy.get('site.localhost', '/gone');
    expect([gone.status, gone.body.toString()]).toEqual([404, '<p>closed</p>']);
    for (const name of ['/_redirects', '/_headers']) {
      expect((await proxy.get('site.localhost', name)).status).toBe(404);
    }
  });

  it('applies _headers, security headers and HSTS on the production host only', async () => {
    const asset = await proxy.get('site.localhost', '/assets/app.js');
    expect(asset.headers['access-control-allow-origin']).toBe('*');
    expect(asset.headers['x-frame-options']).toBe('DENY');
    expect(asset.headers['x-content-type-options']).toBe('nosniff');
    expect(asset.headers['strict-transport-security']).toBe(
      'max-age=63072000; includeSubDomains',
    );
    const preview = await proxy.get('site-aaaa1111.localhost', '/');
    expect(preview.headers['strict-transport-security']).toBeUndefined();
  });

  it('caches content-hashed assets for a year and revalidates everything else', async () => {
    const hashed = await proxy.get(
      'site.localhost',
      '/assets/index-BxY12_aZ.js',
    );
    expect(hashed.headers['cache-control']).toBe(
      'public, max-age=31536000, immutable',
    );
    const plain = await proxy.get('site.localhost', '/assets/app.js');
    expect(plain.headers['cache-control']).toBe(
      'public, max-age=0, must-revalidate',
    );
    const html = await proxy.get('site.localhost', '/');
    expect(html.headers['cache-control']).toBe(
      'public, max-age=0, must-revalidate',
    );
    expect(new Date(html.headers['last-modified']!).getTime()).toBeGreaterThan(
      0,
    );
    const again = await proxy.get('site.localhost', '/', {
      headers: { 'if-modified-since': html.headers['last-modified']! },
    });
    expect(again.status).toBe(304);
  });

  it('compresses once with brotli or gzip and keeps ETags per encoding', async () => {
    const br = await proxy.get('site.localhost', '/assets/app.js', {
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(brotliDecompressSync(br.bytes).toString()).toBe(big);
    expect(br.bytes.length).toBeLessThan(big.length / 10);
    const gz = await proxy.get('site.localhost', '/assets/app.js', {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.bytes).toString()).toBe(big);
    expect(gz.headers.etag).not.toBe(br.headers.etag);
    const plain = await proxy.get('site.localhost', '/assets/app.js', {
      headers: { 'accept-encoding': 'identity' },
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.etag).toBe(`"${sha256(big)}"`);
    const revalidated = await proxy.get('site.localhost', '/assets/app.js', {
      headers: { 'accept-encoding': 'br', 'if-none-match': br.headers.etag! },
    });
    expect(revalidated.status).toBe(304);
    await proxy.get('site.localhost', '/assets/app.js', {
      headers: { 'accept-encoding': 'br' },
    });
    const metrics = (await proxy.getAdmin('/metrics')).body.toString();
    // Compressed once per encoding, however many times it was served.
    expect(metrics).toContain(
      'novahost_proxy_compression_cache_misses_total 2',
    );
    expect(metrics).toMatch(
      /novahost_proxy_compression_cache_hits_total [1-9]/,
    );
    expect(metrics).toMatch(
      /novahost_proxy_requests_total\{status="200"\} \d+/,
    );
    expect(metrics).toContain(
      'novahost_proxy_request_duration_seconds_bucket{le="+Inf"}',
    );
  });

  it.each([
    ['bytes=0-9', 206, 'bytes 0-9/100', [0, 9]],
    ['bytes=90-', 206, 'bytes 90-99/100', [90, 99]],
    ['bytes=-5', 206, 'bytes 95-99/100', [95, 99]],
    ['bytes=50-1000', 206, 'bytes 50-99/100', [50, 99]],
    ['bytes=100-', 416, 'bytes */100', [0, -1]],
    ['bytes=0-1,5-6', 200, undefined, [0, 99]],
  ])('Range %s → %i', async (range, status, contentRange, slice) => {
    const res = await proxy.get('site.localhost', '/video.bin', {
      headers: { range },
    });
    expect(res.status).toBe(status);
    expect(res.headers['content-range']).toBe(contentRange);
    // [0, -1]: an empty body.
    expect([...res.bytes]).toEqual(
      Array.from({ length: slice[1] - slice[0] + 1 }, (_, i) => i + slice[0]),
    );
  });

  it('ignores a Range whose If-Range does not match', async () => {
    const res = await proxy.get('site.localhost', '/video.bin', {
      headers: { range: 'bytes=0-9', 'if-range': '"stale"' },
    });
    expect(res.status).toBe(200);
    expect(res.bytes.length).toBe(100);
  });
});

/** A proxy serving one tiny site with these settings. */
async function startTinySite(config: Partial<ProxyConfig>) {
  const store = createStore();
  const id = store.deploy({ 'index.html': 'x' });
  return startTestProxy({
    routes: { version: 1, generatedAt: '', projects: [project('site', id)] },
    store: store.dir,
    config,
  });
}

describe('rate limiting', () => {
  it('answers 429 past the per-client burst', async () => {
    const proxy = await startTinySite({
      rateLimit: { requestsPerSecond: 1, burst: 5 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++)
        statuses.push((await proxy.get('site.localhost', '/')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      const limited = await proxy.get('site.localhost', '/');
      expect(limited.headers['retry-after']).toBe('1');
    } finally {
      await proxy.stop();
    }
  });
});

describe('hostile clients', () => {
  it('drops a client that sends its headers too slowly, and refuses huge headers', async () => {
    const proxy = await startTinySite({
      headersTimeoutMs: 500,
      requestTimeoutMs: 1000,
    });
    try {
      const started = Date.now();
      // A slowloris: the request line and one header, then nothing.
      const answer = await sendRaw(
        proxy.port,
        'GET / HTTP/1.1\r\nHost: site.localhost\r\n',
      );
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(Date.now() - started).toBeLessThan(3000);

      const huge = await proxy.get('site.localhost', '/', {
        headers: { 'x-big': 'a'.repeat(20_000) },
      });
      expect(huge.status).toBe(431);
    } finally {
      await proxy.stop();
    }
  });
});
