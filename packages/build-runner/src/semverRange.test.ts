import semver from 'semver';
import {
  compareVersions,
  parseRange,
  rangeAdmitsMajor,
  rangeContains,
} from './semverRange.ts';

/** Ranges as they appear in engines.node and version files. */
const RANGES = [
  '20',
  'v20',
  '20.x',
  '20.*',
  '20.11',
  '20.11.1',
  'v20.11.1',
  '=20.11.1',
  '>=18',
  '>= 18',
  '>18',
  '>18.2',
  '>20.11.1',
  '<22',
  '<=20',
  '<=20.11',
  '<=20.11.1',
  '^20',
  '^20.11',
  '^20.11.1',
  '^0.2.3',
  '^0.0.3',
  '~20',
  '~20.11',
  '~20.11.1',
  '~>20.11',
  '>=18 <21',
  '>=18.0.0 <19.0.0 || >=20.0.0 <21.0.0',
  '^20 || ^22',
  '18 - 20',
  '18.1 - 20.11',
  '18 - 20.11.1',
  '*',
  'x',
  '',
  '>=24.0.0-rc.1',
  '20.x || 22.x || 24.x',
  '>= 20.9.0 < 23',
  '<16',
];
const MAJORS = [16, 18, 19, 20, 21, 22, 23, 24, 26];
const VERSIONS = [
  '16.20.2',
  '18.0.0',
  '18.2.0',
  '18.3.1',
  '19.9.0',
  '20.0.0',
  '20.11.0',
  '20.11.1',
  '20.11.2',
  '20.12.0',
  '20.20.2',
  '21.0.0',
  '22.23.5',
  '24.22.3',
  '0.2.5',
  '0.0.3',
];

describe('semverRange (checked against the semver package)', () => {
  it.each(RANGES)('%p admits the majors semver does', range => {
    const parsed = parseRange(range)!;
    expect(parsed).toBeDefined();
    for (const major of MAJORS) {
      expect({ major, admits: rangeAdmitsMajor(parsed, major) }).toEqual({
        major,
        admits: semver.intersects(range, `${major}.x`),
      });
    }
  });

  it.each(RANGES)('%p contains the versions semver does', range => {
    const parsed = parseRange(range)!;
    for (const version of VERSIONS) {
      expect({ version, contains: rangeContains(parsed, version) }).toEqual({
        version,
        contains: semver.satisfies(version, range),
      });
    }
  });

  it.each(['node 20', 'lts/iron', '>=abc', '20..1', '^^20', 'latest'])(
    'refuses %p',
    text => {
      expect(parseRange(text)).toBeUndefined();
    },
  );

  it('orders versions numerically', () => {
    expect(
      ['22.1.0', '20.20.2', '20.9.0', '24.0.0'].sort(compareVersions),
    ).toEqual(['20.9.0', '20.20.2', '22.1.0', '24.0.0']);
  });
});
