import {
  deploymentUrl,
  isValidSlug,
  normalizeHost,
  productionUrl,
  siteLabel,
  slugify,
  splitDeploymentLabel,
} from './hosts';

describe('slugify', () => {
  it.each([
    ['My Site', 'my-site'],
    ['  Ünïcode — Café!! ', 'unicode-cafe'],
    ['a__b..c', 'a-b-c'],
    ['---', ''],
    ['日本語', ''],
    ['x'.repeat(80), 'x'.repeat(54)],
    [`${'a'.repeat(53)}-b`, 'a'.repeat(53)],
  ])('%p -> %p', (name, slug) => {
    expect(slugify(name)).toBe(slug);
    expect(isValidSlug(slug)).toBe(slug !== '');
  });

  it.each(['', '-a', 'a-', 'A', 'a--b', 'a.b', 'x'.repeat(55)])(
    'rejects %p',
    s => expect(isValidSlug(s)).toBe(false),
  );
});

describe('hosts', () => {
  it.each([
    ['Site.LocalHost:8080', 'site.localhost'],
    ['site.localhost.', 'site.localhost'],
    ['[::1]:80', undefined],
    ['evil host', undefined],
    ['', undefined],
  ])('normalizeHost(%p) = %p', (host, expected) => {
    expect(normalizeHost(host)).toBe(expected);
  });

  it.each([
    ['my-site.localhost', 'my-site'],
    ['MY-SITE.localhost:8080', 'my-site'],
    ['a.b.localhost', undefined],
    ['localhost', undefined],
    ['my-site.example.com', undefined],
    ['my-sitelocalhost', undefined],
  ])('siteLabel(%p) = %p', (host, label) => {
    expect(siteLabel(host, 'localhost')).toBe(label);
  });

  it('splits deployment labels', () => {
    expect(splitDeploymentLabel('shop-ab12cd34')).toEqual({
      slug: 'shop',
      shortId: 'ab12cd34',
    });
    expect(splitDeploymentLabel('my-shop-ab12cd34')?.slug).toBe('my-shop');
    expect(splitDeploymentLabel('ab12cd34')).toBeUndefined();
    expect(splitDeploymentLabel('shop-ab12cd3')).toBeUndefined();
    expect(splitDeploymentLabel('shop--ab12cd34')).toBeUndefined();
  });

  it('builds URLs, omitting default ports', () => {
    const local = { baseDomain: 'localhost', scheme: 'http', port: 8080 };
    expect(productionUrl('a', local)).toBe('http://a.localhost:8080');
    expect(deploymentUrl('a', 'ab12cd34', local)).toBe(
      'http://a-ab12cd34.localhost:8080',
    );
    expect(
      productionUrl('a', {
        baseDomain: 'nova.dev',
        scheme: 'https',
        port: 443,
      }),
    ).toBe('https://a.nova.dev');
  });
});
