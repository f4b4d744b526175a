import type { ManifestEntry } from '@internal/plugin-novahost-common';
import type { LoadedManifest } from './files';
import { planRequest, type Plan } from './plan';
import { buildRoutingIndex } from './routing';
import { parseRedirects } from './rules';

/** A manifest in memory: every file a distinct fake blob. */
function manifest(
  deploymentId: string,
  paths: string[],
  redirects?: string,
): LoadedManifest {
  const files = new Map<string, ManifestEntry>(
    paths.map((path, i) => [
      path,
      { hash: String(i).padStart(64, '0'), size: i },
    ]),
  );
  return {
    deploymentId,
    files,
    redirects: redirects ? parseRedirects(redirects).rules : undefined,
  };
}

const manifests = new Map(
  [
    manifest(
      'd-site',
      [
        'index.html',
        'about.html',
        'docs/index.html',
        'blog/post.html',
        'app/index.html',
        'closed.html',
        'assets/app.js',
        '404.html',
        '_redirects',
      ],
      [
        '/old/:slug  /blog/:slug  301',
        '/go  https://example.com/  302',
        '/app/*  /app/index.html  200',
        '/gone  /closed.html  404',
        '/about  /blog/post  301',
        '/escape  /%2e%2e/secret  200',
        '/forced  /about  302!',
      ].join('\n'),
    ),
    manifest('d-preview', ['index.html']),
    manifest('d-spa', ['index.html', 'app.js']),
    manifest('d-bare', ['only.txt']),
  ].map(m => [m.deploymentId, m]),
);

const index = buildRoutingIndex(
  {
    version: 1,
    generatedAt: '',
    projects: [
      {
        id: 'p-site',
        slug: 'site',
        spa: false,
        productionDeploymentId: 'd-site',
        deployments: [{ id: 'd-preview', shortId: 'aaaa1111' }],
        domains: ['www.site.example'],
      },
      {
        id: 'p-spa',
        slug: 'spa',
        spa: true,
        productionDeploymentId: 'd-spa',
        deployments: [],
      },
      {
        id: 'p-bare',
        slug: 'bare',
        spa: false,
        productionDeploymentId: 'd-bare',
        deployments: [],
      },
      {
        id: 'p-new',
        slug: 'new',
        spa: false,
        productionDeploymentId: null,
        deployments: [],
      },
      {
        id: 'p-cold',
        slug: 'cold',
        spa: false,
        productionDeploymentId: 'd-cold',
        deployments: [],
      },
    ],
  },
  'novahost.test',
);

function plan(host: string, url: string, hsts?: string): Plan {
  return planRequest({
    index,
    host,
    url,
    hsts,
    manifest: id => manifests.get(id),
  });
}

/** A plan in one line: `200 about.html`, `308 /docs/`, `error not_found`. */
function summary(p: Plan): string {
  switch (p.kind) {
    case 'file':
      return `${p.status} ${p.file.key}`;
    case 'redirect':
      return `${p.status} ${p.location}`;
    case 'error':
      return `error ${p.code}`;
    default:
      return `load ${p.deploymentId}`;
  }
}

describe('planRequest', () => {
  it.each([
    // Files, clean URLs and fallbacks.
    ['site.novahost.test', '/', '200 index.html'],
    ['site.novahost.test', '/index.html', '200 index.html'],
    ['site.novahost.test', '/docs/', '200 docs/index.html'],
    ['site.novahost.test', '/assets/app.js?v=3', '200 assets/app.js'],
    ['site.novahost.test', '/missing', '404 404.html'],
    ['site-aaaa1111.novahost.test', '/', '200 index.html'],
    ['www.site.example', '/docs/', '200 docs/index.html'],
    ['spa.novahost.test', '/some/client/route', '200 index.html'],
    ['spa.novahost.test', '/app.js', '200 app.js'],
    ['bare.novahost.test', '/missing', 'error not_found'],
    // Trailing slashes, keeping the query.
    ['site.novahost.test', '/docs', '308 /docs/'],
    ['site.novahost.test', '/docs?tab=2', '308 /docs/?tab=2'],
    ['site.novahost.test', '/blog/post/', '308 /blog/post'],
    // _redirects: files shadow unforced rules; rewrites keep their status.
    ['site.novahost.test', '/about', '200 about.html'],
    ['site.novahost.test', '/forced', '302 /about'],
    ['site.novahost.test', '/old/hello?ref=x', '301 /blog/hello?ref=x'],
    ['site.novahost.test', '/go', '302 https://example.com/'],
    ['site.novahost.test', '/app/settings/profile', '200 app/index.html'],
    ['site.novahost.test', '/gone', '404 closed.html'],
    ['site.novahost.test', '/escape', 'error not_found'],
    // Configuration files are never served.
    ['site.novahost.test', '/_redirects', '404 404.html'],
    // Routing failures.
    ['nope.novahost.test', '/', 'error unknown_host'],
    ['new.novahost.test', '/', 'error no_production_deployment'],
    ['site-00000000.novahost.test', '/', 'error unknown_deployment'],
    ['site.novahost.test', '/../etc/passwd', 'error bad_request'],
    // A manifest not in memory yet: load it, then plan again.
    ['cold.novahost.test', '/', 'load d-cold'],
  ])('%s%s → %s', (host, url, expected) => {
    expect(summary(plan(host, url))).toBe(expected);
  });

  it('gives the file its content type and the deployment it is from', () => {
    expect(plan('site-aaaa1111.novahost.test', '/')).toMatchObject({
      kind: 'file',
      contentType: 'text/html; charset=utf-8',
      target: { deploymentId: 'd-preview', via: 'deployment', path: '' },
      manifest: manifests.get('d-preview'),
    });
    expect(plan('site.novahost.test', '/assets/app.js')).toMatchObject({
      contentType: 'text/javascript; charset=utf-8',
    });
  });

  it('adds HSTS on production hosts only', () => {
    const hsts = 'max-age=63072000';
    const header = { 'Strict-Transport-Security': hsts };
    expect(plan('site.novahost.test', '/', hsts)).toMatchObject({
      hsts: header,
    });
    expect(plan('site.novahost.test', '/docs', hsts)).toMatchObject({
      kind: 'redirect',
      hsts: header,
    });
    expect(plan('site-aaaa1111.novahost.test', '/', hsts)).toMatchObject({
      hsts: undefined,
    });
    expect(plan('site.novahost.test', '/')).toMatchObject({ hsts: undefined });
  });
});
