import { blobKey, isSafeManifestPath, manifestKey } from './artifacts';

describe('artifact keys', () => {
  it('keys blobs by hash and rejects anything else', () => {
    const hash = 'a'.repeat(64);
    expect(blobKey(hash)).toBe(`blobs/aa/${hash}`);
    expect(() => blobKey('../etc/passwd')).toThrow();
    expect(() => blobKey('A'.repeat(64))).toThrow();
    expect(manifestKey('0b5c-11')).toBe('manifests/0b5c-11.json');
    expect(() => manifestKey('../x')).toThrow();
  });

  it.each([
    ['index.html', true],
    ['a/b/c.js', true],
    ['.well-known/x', true],
    ['/abs', false],
    ['a/../b', false],
    ['..', false],
    ['a//b', false],
    ['./a', false],
    ['a\\b', false],
    ['a\u0000b', false],
    ['', false],
  ])('isSafeManifestPath(%p) = %p', (p, ok) => {
    expect(isSafeManifestPath(p)).toBe(ok);
  });
});
