import {
  MAX_SLUG_LENGTH,
  branchAliasLabel,
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

describe('branchAliasLabel', () => {
  it('names a branch under its project', () => {
    expect(branchAliasLabel('site', 'feature/Login_Page')).toBe(
      'site-git-feature-login-page',
    );
    expect(branchAliasLabel('site', 'main')).toBe('site-git-main');
  });

  it('stays a DNS label of at most 63 characters, with a stable hash', () => {
    const branch = `feature/${'very-long-name-'.repeat(6)}`;
    const label = branchAliasLabel('my-long-project-name', branch);
    expect(label.length).toBeLessThanOrEqual(63);
    expect(label).toMatch(
      /^my-long-project-name-git-feature-very[a-z0-9-]*-[a-z0-9]{6}$/,
    );
    expect(branchAliasLabel('my-long-project-name', branch)).toBe(label);
    expect(branchAliasLabel('my-long-project-name', `${branch}x`)).not.toBe(
      label,
    );
    const longest = branchAliasLabel('a'.repeat(MAX_SLUG_LENGTH), 'main');
    expect(longest.length).toBeLessThanOrEqual(63);
    expect(longest).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
  });

  it('hashes a branch with nothing DNS-safe in it, and on request', () => {
    expect(branchAliasLabel('site', '___')).toMatch(/^site-git-[a-z0-9]{6}$/);
    expect(branchAliasLabel('site', 'main', { hashed: true })).toMatch(
      /^site-git-main-[a-z0-9]{6}$/,
    );
    // Branches differing only in punctuation get different hashed labels.
    expect(branchAliasLabel('site', 'a/b', { hashed: true })).not.toBe(
      branchAliasLabel('site', 'a-b', { hashed: true }),
    );
  });
});
