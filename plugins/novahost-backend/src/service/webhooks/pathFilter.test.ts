import {
  describePrefixes,
  firstTouched,
  normalizePrefix,
  watchedPrefixes,
} from './pathFilter';

describe('watchedPrefixes', () => {
  it.each([
    ['', null, []],
    ['.', null, []],
    ['./apps/web/', null, ['apps/web']],
    [
      'apps/web',
      '["packages/ui/", "apps//shared"]',
      ['apps/web', 'packages/ui', 'apps/shared'],
    ],
    ['', '["docs"]', ['docs']],
    // A watch path of the whole repository: every change deploys.
    ['apps/web', '["packages/ui", "."]', []],
    ['apps/web', '[]', ['apps/web']],
  ])('root %p, watch paths %p -> %p', (root, watch, expected) => {
    expect(
      watchedPrefixes({ root_directory: root, watch_paths: watch }),
    ).toEqual(expected);
  });

  it('normalizes spellings of a directory', () => {
    expect(
      ['apps/web', './apps/web', 'apps/web/', ' apps//web '].map(
        normalizePrefix,
      ),
    ).toEqual(Array(4).fill('apps/web'));
  });
});

describe('firstTouched', () => {
  it('matches whole path segments only', () => {
    expect(firstTouched(['apps/website/a.ts'], ['apps/web'])).toBe(undefined);
    expect(firstTouched(['apps/web'], ['apps/web'])).toBe('apps/web');
    expect(firstTouched(['README.md', 'apps/web/src/a.ts'], ['apps/web'])).toBe(
      'apps/web/src/a.ts',
    );
    expect(firstTouched(['anything'], [])).toBe('anything');
    expect(firstTouched([], [])).toBe(undefined);
  });

  it('names the prefixes of a skip', () => {
    expect(describePrefixes(['a'])).toBe('a');
    expect(describePrefixes(['a', 'b', 'c'])).toBe('a, b or c');
  });
});
