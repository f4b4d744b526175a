import {
  headersFor,
  matchRedirect,
  parseHeaders,
  parseRedirects,
} from './rules';

// Examples from Netlify's "Redirects and rewrites" documentation.
const netlify = parseRedirects(`
# Redirects from what the browser requests to what we serve
/home              /
/blog/my-post.php  /blog/my-post
/news              /blog
/cuties            https://www.petsofnetlify.com
/my-redirect       /                 302
/pass-through      /index.html       200
/ecommerce         /store-closed     404
/news/*            /blog/:splat
/articles/:year/:month/:date/:slug  /posts/:year/:month/:date/:slug
/app/*             /app/index.html   200!
/*                 /index.html       200
`);

// Examples from Cloudflare Pages' "Redirects" documentation.
const cloudflare = parseRedirects(`
/home301 / 301
/home302 / 302
/querystrings /?query=string 301
/twitch https://twitch.tv
/trailing /trailing/ 301
/notrailing/ /nottrailing 301
/page/ /page2/#fragment 301
/blog/* https://blog.my.domain/:splat
/products/:code/:name /products?code=:code&name=:name
`);

describe('_redirects', () => {
  it('parses the documentation examples without errors', () => {
    expect(netlify.errors).toEqual([]);
    expect(netlify.rules).toHaveLength(11);
    expect(cloudflare.errors).toEqual([]);
    expect(cloudflare.rules).toHaveLength(9);
  });

  const documented = { Netlify: netlify.rules, Cloudflare: cloudflare.rules };
  it.each([
    ['Netlify', '/home', '', 301, '/'],
    ['Netlify', '/blog/my-post.php', '', 301, '/blog/my-post'],
    ['Netlify', '/news', '', 301, '/blog'],
    ['Netlify', '/cuties', '', 301, 'https://www.petsofnetlify.com'],
    ['Netlify', '/my-redirect', 'a=1', 302, '/?a=1'],
    [
      'Netlify',
      '/news/2004/01/10/my-story',
      '',
      301,
      '/blog/2004/01/10/my-story',
    ],
    [
      'Netlify',
      '/articles/2024/05/01/hello',
      '',
      301,
      '/posts/2024/05/01/hello',
    ],
    ['Netlify', '/home/', '', 301, '/'],
    ['Cloudflare', '/home301', '', 301, '/'],
    ['Cloudflare', '/home302', '', 302, '/'],
    ['Cloudflare', '/querystrings', 'x=1', 301, '/?query=string'],
    ['Cloudflare', '/twitch', '', 301, 'https://twitch.tv'],
    ['Cloudflare', '/trailing', '', 301, '/trailing/'],
    ['Cloudflare', '/notrailing/', '', 301, '/nottrailing'],
    ['Cloudflare', '/page/', '', 301, '/page2/#fragment'],
    ['Cloudflare', '/blog/a/b', '', 301, 'https://blog.my.domain/a/b'],
    ['Cloudflare', '/products/42/hat', '', 301, '/products?code=42&name=hat'],
  ] as const)('%s %s?%s → %i %s', (source, path, query, status, location) => {
    expect(matchRedirect(documented[source], path, query, false)).toEqual({
      kind: 'redirect',
      status,
      location,
    });
  });

  it.each([
    ['/pass-through', 200, '/index.html'],
    ['/ecommerce', 404, '/store-closed'],
    ['/anything/else', 200, '/index.html'],
  ])('Netlify rewrite %s → %i %s', (path, status, target) => {
    expect(matchRedirect(netlify.rules, path, '', false)).toEqual({
      kind: 'rewrite',
      status,
      path: target,
    });
  });

  it('lets existing files shadow rules unless forced with !', () => {
    expect(matchRedirect(netlify.rules, '/about', '', true)).toBeUndefined();
    expect(matchRedirect(netlify.rules, '/app/settings', '', true)).toEqual({
      kind: 'rewrite',
      status: 200,
      path: '/app/index.html',
    });
  });

  it('never lets request values choose the host of a redirect', () => {
    const { rules } = parseRedirects(
      '/go/:host  https://:host.example.com/:host 302',
    );
    const r = matchRedirect(rules, '/go/evil.test', '', false);
    expect(r).toEqual({
      kind: 'redirect',
      status: 302,
      location: 'https://:host.example.com/evil.test',
    });
    const splat = parseRedirects('/x/*  /:splat 301').rules;
    // `//evil.test` as a path would be protocol-relative: encoded segments keep it a path.
    expect(matchRedirect(splat, '/x/%2F%2Fevil.test', '', false)).toMatchObject(
      {
        location: '/%252F%252Fevil.test',
      },
    );
  });

  it('reports invalid lines and rejects proxying to other origins', () => {
    const { rules, errors } = parseRedirects(`
/ok /fine
nonsense
/bad-status /x 418
/proxy https://api.example.com/ 200
relative /x
`);
    expect(rules).toHaveLength(1);
    expect(errors).toEqual([
      'line 3: expected "from to [status]"',
      'line 4: unsupported status 418',
      'line 5: rewrites (200/404) must target a path',
      'line 6: the source must be a path',
    ]);
  });
});

// Examples from Cloudflare Pages' and Netlify's "Headers" documentation.
describe('_headers', () => {
  const { rules, errors } = parseHeaders(`
/secure/page
  X-Frame-Options: DENY
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer

/static/*
  Access-Control-Allow-Origin: *
  X-Robots-Tag: nosnippet

/movies/:title
  x-movie-name: You are watching ":title"

/*
  Content-Security-Policy: default-src 'self';
/*.jpg
  ! Content-Security-Policy

/templates/index.html
  X-Frame-Options: DENY
  X-XSS-Protection: 1; mode=block
  Content-Length: 1
`);

  it('parses and refuses headers that belong to the proxy', () => {
    expect(rules).toHaveLength(6);
    expect(errors).toEqual(['line 22: content-length cannot be set']);
  });

  it.each([
    [
      '/secure/page',
      {
        'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'content-security-policy': "default-src 'self';",
      },
    ],
    [
      '/static/app.css',
      {
        'access-control-allow-origin': '*',
        'x-robots-tag': 'nosnippet',
        'content-security-policy': "default-src 'self';",
      },
    ],
    [
      '/movies/alien',
      {
        'x-movie-name': 'You are watching "alien"',
        'content-security-policy': "default-src 'self';",
      },
    ],
    ['/photo.jpg', {}],
    [
      '/templates/index.html',
      {
        'content-security-policy': "default-src 'self';",
        'x-frame-options': 'DENY',
        'x-xss-protection': '1; mode=block',
      },
    ],
  ])('%s', (path, expected) => {
    expect(headersFor(rules, path)).toEqual(expected);
  });
});

// Sites share a base domain: a cookie for the parent domain would reach every
// other site (cookie tossing), so Set-Cookie may only set host-only cookies.
describe('_headers Set-Cookie', () => {
  const { rules, errors } = parseHeaders(`
/*
  Set-Cookie: theme=dark; Path=/; Secure
  Set-Cookie: a=b; Path=/; domain=.example.com
  set-cookie: c=d;Domain=sites.novahost.example;Path=/
  Set-Cookie: e=f; Path=/ ;  DOMAIN  = example.com
  Set-Cookie: g=h; Path=/; Domain
  Set-Cookie: domain=kept; Path=/
/p/:name
  Set-Cookie: last=:name; Path=/
`);

  it('refuses a Domain attribute in any case and spacing', () => {
    expect(errors).toEqual(
      [4, 5, 6, 7].map(
        line =>
          `line ${line}: set-cookie with a Domain attribute cannot be set (a site may not set cookies for a parent domain)`,
      ),
    );
    expect(headersFor(rules, '/')).toEqual({
      'set-cookie': 'theme=dark; Path=/; Secure, domain=kept; Path=/',
    });
  });

  it('drops a cookie whose placeholder brings a Domain attribute from the path', () => {
    expect(headersFor(rules, '/p/x')['set-cookie']).toContain('last=x; Path=/');
    expect(
      headersFor(rules, '/p/x; Domain=.novahost.example')['set-cookie'],
    ).not.toContain('last=');
  });
});
