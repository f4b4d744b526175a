import { repoKey } from './repos';

describe('repoKey', () => {
  it.each([
    ['https://github.com/Acme/Site.git', 'github.com/acme/site'],
    ['https://github.com/acme/site', 'github.com/acme/site'],
    ['https://github.com/acme/site/', 'github.com/acme/site'],
    ['http://127.0.0.1:8123/acme/site.git', '127.0.0.1:8123/acme/site'],
    ['https://github.com:443/acme/site', 'github.com/acme/site'],
    ['git@github.com:acme/site.git', 'github.com/acme/site'],
    ['ssh://git@ghe.example.com/acme/site.git', 'ghe.example.com/acme/site'],
    ['https://gitlab.com/group/sub/site', 'gitlab.com/group/sub/site'],
  ])('%s → %s', (url, key) => {
    expect(repoKey(url)).toBe(key);
  });

  it.each([
    '/srv/git/site.git',
    'file:///srv/git/site.git',
    'not a url',
    'https://github.com/',
  ])('has no key for %s', url => {
    expect(repoKey(url)).toBeUndefined();
  });
});
