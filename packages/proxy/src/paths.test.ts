import { candidateKeys, parseRequestPath } from './paths';

describe('parseRequestPath', () => {
  it.each([
    ['/', ''],
    ['/index.html', 'index.html'],
    ['/docs/', 'docs/'],
    ['/a/b.js?v=1#x', 'a/b.js'],
    ['/caf%C3%A9.html', 'café.html'],
    ['/%5Bid%5D.html', '[id].html'],
    ['/a%20b', 'a b'],
    ['/..foo', '..foo'],
  ])('%p → %p', (url, path) => {
    expect(parseRequestPath(url)).toEqual({ ok: true, path });
  });

  // Every way out of the deployment the usual servers have been fooled by.
  it.each([
    '/..',
    '/../etc/passwd',
    '/a/../../b',
    '/%2e%2e/etc/passwd',
    '/%2E%2E%2Fetc%2Fpasswd',
    '/a/%2e%2e/%2e%2e/b',
    '/.%2e/x',
    '/%252e%252e/x'.replace('%252e%252e', '%2e%2e'),
    '/./a',
    '/a//b',
    '//etc/passwd',
    '/a\\..\\b',
    '/a%5c..%5cb',
    '/a%5C..%5Cb',
    '/a%00.html',
    '/a\u0000b',
    '/%c0%ae%c0%ae/x', // overlong UTF-8 for '.'
    '/%e0%80%ae%e0%80%ae/x',
    '/%c0%af', // overlong '/'
    '/%ed%a0%80', // lone surrogate
    '/%zz',
    '/%',
    '/%0a',
    'x',
    '',
    `/${'a'.repeat(5000)}`,
  ])('rejects %p', url => {
    expect(parseRequestPath(url)).toEqual({ ok: false, code: 'bad_request' });
  });

  it('decodes exactly once: a double-encoded dot-dot stays a literal name', () => {
    // %252e%252e decodes to the literal segment "%2e%2e", which is a file
    // name, not a parent directory; it can only match a manifest key.
    expect(parseRequestPath('/%252e%252e/x')).toEqual({
      ok: true,
      path: '%2e%2e/x',
    });
  });
});

describe('candidateKeys', () => {
  it.each([
    ['', ['index.html']],
    ['docs/', ['docs/index.html']],
    ['about', ['about', 'about.html', 'about/index.html']],
    ['a/b.js', ['a/b.js', 'a/b.js.html', 'a/b.js/index.html']],
  ])('%p → %p', (path, keys) => {
    expect(candidateKeys(path)).toEqual(keys);
  });
});
