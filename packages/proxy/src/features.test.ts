import { request } from 'node:http';
import { connect } from 'node:net';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import type { RouteTable } from '@internal/plugin-novahost-common';
import { MemoryLogger } from './logger';
import { startProxy, type RunningProxy } from './proxy';
import type { ProxyConfig } from './config';
import {
  createStore,
  eventually,
  project,
  sha256,
  startFakeBackend,
} from './__testUtils__/fixtures';

type Res = { status: number; headers: Record<string, any>; body: Buffer };

function get(
  port: number,
  host: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Res> {
  return new Promise((resolve, reject) => {
    request(
      { host: '127.0.0.1', port, path, method, headers: { host, ...headers } },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    )
      .on('error', reject)
      .end();
  });
}

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
  let backend: Awaited<ReturnType<typeof startFakeBackend>>;
  let proxy: RunningProxy;

  beforeAll(async () => {
    backend = await startFakeBackend('t', table);
    const config: ProxyConfig = {
      baseDomain: 'localhost',
      listen: { port: 0, host: '127.0.0.1' },
      admin: { port: 0, host: '127.0.0.1' },
      backendUrl: backend.url,
      token: 't',
      routesCacheFile: undefined,
      store: { type: 'local', directory: store.dir },
      hsts: 'max-age=63072000; includeSubDomains',
      rateLimit: { requestsPerSecond: 1000, burst: 1000 },
    };
    proxy = await startProxy(config, new MemoryLogger());
    await eventually(() => {
      if (!proxy.routes.index) throw new Error('no routes');
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await backend?.stop();
  });

  it.each([
    ['/docs', 308, '/docs/'],
    ['/docs?tab=2', 308, '/docs/?tab=2'],
    ['/blog/new-post/', 308, '/blog/new-post'],
    ['/old-blog/hello?ref=x', 301, '/blog/hello?ref=x'],
    ['/go', 302, 'https://example.com/landing'],
  ])('GET %s → %i %s', async (path, status, location) => {
    const res = await get(proxy.port, 'site.localhost', path);
    expect(res.status).toBe(status);
    expect(res.headers.location).toBe(location);
  });

  it('lets files shadow unforced rules, rewrites with 200 and 404, and never serves its config files', async () => {
    expect(
      (await get(proxy.port, 'site.localhost', '/about')).body.toString(),
    ).toBe('<p>about</p>');
    const app = await get(
      proxy.port,
      'site.localhost',
      '/app/settings/profile',
    );
    expect([app.status, app.body.toString()]).toEqual([
      200,
      '<p>app shell</p>',
    ]);
    const gone = await get(proxy.port, 'site.localhost', '/gone');
    expect([gone.status, gone.body.toString()]).toEqual([404, '<p>closed</p>']);
    for (const name of ['/_redirects', '/_headers']) {
      expect((await get(proxy.port, 'site.localhost', name)).status).toBe(404);
    }
  });

  it('applies _headers, security headers and HSTS on the production host only', async () => {
    const asset = await get(proxy.port, 'site.localhost', '/assets/app.js');
    expect(asset.headers['access-control-allow-origin']).toBe('*');
    expect(asset.headers['x-frame-options']).toBe('DENY');
    expect(asset.headers['x-content-type-options']).toBe('nosniff');
    expect(asset.headers['strict-transport-security']).toBe(
      'max-age=63072000; includeSubDomains',
    );
    const preview = await get(proxy.port, 'site-aaaa1111.localhost', '/');
    expect(preview.headers['strict-transport-security']).toBeUndefined();
  });

  it('caches content-hashed assets for a year and revalidates everything else', async () => {
    const hashed = await get(
      proxy.port,
      'site.localhost',
      '/assets/index-BxY12_aZ.js',
    );
    expect(hashed.headers['cache-control']).toBe(
      'public, max-age=31536000, immutable',
    );
    const plain = await get(proxy.port, 'site.localhost', '/assets/app.js');
    expect(plain.headers['cache-control']).toBe(
      'public, max-age=0, must-revalidate',
    );
    const html = await get(proxy.port, 'site.localhost', '/');
    expect(html.headers['cache-control']).toBe(
      'public, max-age=0, must-revalidate',
    );
    expect(new Date(html.headers['last-modified']).getTime()).toBeGreaterThan(
      0,
    );
    const again = await get(proxy.port, 'site.localhost', '/', {
      'if-modified-since': html.headers['last-modified'],
    });
    expect(again.status).toBe(304);
  });

  it('compresses once with brotli or gzip and keeps ETags per encoding', async () => {
    const br = await get(proxy.port, 'site.localhost', '/assets/app.js', {
      'accept-encoding': 'gzip, br',
    });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(brotliDecompressSync(br.body).toString()).toBe(big);
    expect(br.body.length).toBeLessThan(big.length / 10);
    const gz = await get(proxy.port, 'site.localhost', '/assets/app.js', {
      'accept-encoding': 'gzip',
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(big);
    expect(gz.headers.etag).not.toBe(br.headers.etag);
    const plain = await get(proxy.port, 'site.localhost', '/assets/app.js', {
      'accept-encoding': 'identity',
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.etag).toBe(`"${sha256(big)}"`);
    const revalidated = await get(
      proxy.port,
      'site.localhost',
      '/assets/app.js',
      {
        'accept-encoding': 'br',
        'if-none-match': br.headers.etag,
      },
    );
    expect(revalidated.status).toBe(304);
    await get(proxy.port, 'site.localhost', '/assets/app.js', {
      'accept-encoding': 'br',
    });
    const metrics = (
      await get(proxy.adminPort, 'x', '/metrics')
    ).body.toString();
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
    const res = await get(proxy.port, 'site.localhost', '/video.bin', {
      range,
    });
    expect(res.status).toBe(status);
    expect(res.headers['content-range']).toBe(contentRange);
    // [0, -1]: an empty body.
    expect([...res.body]).toEqual(
      Array.from({ length: slice[1] - slice[0] + 1 }, (_, i) => i + slice[0]),
    );
  });

  it('ignores a Range whose If-Range does not match', async () => {
    const res = await get(proxy.port, 'site.localhost', '/video.bin', {
      range: 'bytes=0-9',
      'if-range': '"stale"',
    });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(100);
  });
});

describe('rate limiting', () => {
  it('answers 429 past the per-client burst', async () => {
    const store = createStore();
    const id = store.deploy({ 'index.html': 'x' });
    const backend = await startFakeBackend('t', {
      version: 1,
      generatedAt: '',
      projects: [project('site', id)],
    });
    const proxy = await startProxy(
      {
        baseDomain: 'localhost',
        listen: { port: 0, host: '127.0.0.1' },
        admin: { port: 0, host: '127.0.0.1' },
        backendUrl: backend.url,
        token: 't',
        routesCacheFile: undefined,
        store: { type: 'local', directory: store.dir },
        rateLimit: { requestsPerSecond: 1, burst: 5 },
      },
      new MemoryLogger(),
    );
    try {
      await eventually(() => {
        if (!proxy.routes.index) throw new Error('no routes');
      });
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++)
        statuses.push((await get(proxy.port, 'site.localhost', '/')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      const limited = await get(proxy.port, 'site.localhost', '/');
      expect(limited.headers['retry-after']).toBe('1');
    } finally {
      await proxy.close();
      await backend.stop();
    }
  });
});

describe('hostile clients', () => {
  it('drops a client that sends its headers too slowly, and refuses huge headers', async () => {
    const store = createStore();
    const id = store.deploy({ 'index.html': 'x' });
    const backend = await startFakeBackend('t', {
      version: 1,
      generatedAt: '',
      projects: [project('site', id)],
    });
    const proxy = await startProxy(
      {
        baseDomain: 'localhost',
        listen: { port: 0, host: '127.0.0.1' },
        admin: { port: 0, host: '127.0.0.1' },
        backendUrl: backend.url,
        token: 't',
        routesCacheFile: undefined,
        store: { type: 'local', directory: store.dir },
        headersTimeoutMs: 500,
        requestTimeoutMs: 1000,
      },
      new MemoryLogger(),
    );
    try {
      const started = Date.now();
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(proxy.port, '127.0.0.1', () => {
          // A slowloris: the request line and one header, then nothing.
          socket.write('GET / HTTP/1.1\r\nHost: site.localhost\r\n');
        });
        let data = '';
        socket.on('data', d => (data += d));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(Date.now() - started).toBeLessThan(3000);

      const huge = await get(proxy.port, 'site.localhost', '/', {
        'x-big': 'a'.repeat(20_000),
      });
      expect(huge.status).toBe(431);
    } finally {
      await proxy.close();
      await backend.stop();
    }
  });
});
