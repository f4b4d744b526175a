import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { bumpImageTags, repoRoot } from './index.ts';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const DIGITS = '1234567890123456789012345678901234567890';

const FIXTURE = `# values
backend:
  image:
    repository: ghcr.io/x/backend
    # the GitOps workflow writes this
    tag: "old" # inline comment
  sidecar:
    tag: keep-me
proxy:
  image: {repository: ghcr.io/x/proxy, tag: old}
buildRunner:
  image:
    repository: ghcr.io/x/build
    tag: old
other:
  image:
    tag: untouched
`;

describe('bumpImageTags', () => {
  it('sets exactly the three image tags, keeping comments and every other tag', () => {
    const { text, changed } = bumpImageTags(FIXTURE, {
      backend: SHA,
      proxy: SHA,
      buildRunner: SHA,
    });
    expect(changed).toEqual(['backend', 'proxy', 'buildRunner']);
    const parsed = parse(text);
    expect(parsed.backend.image.tag).toBe(SHA);
    expect(parsed.proxy.image.tag).toBe(SHA);
    expect(parsed.buildRunner.image.tag).toBe(SHA);
    expect(parsed.backend.sidecar.tag).toBe('keep-me');
    expect(parsed.other.image.tag).toBe('untouched');
    expect(text).toContain('# the GitOps workflow writes this');
    expect(text).toContain('# inline comment');
    // Only the three tag lines differ.
    const before = FIXTURE.split('\n');
    const after = text.split('\n');
    expect(after).toHaveLength(before.length);
    expect(before.filter((line, i) => line !== after[i])).toHaveLength(3);
  });

  it('writes tags as strings, so an all-digit SHA stays a string', () => {
    const { text } = bumpImageTags(FIXTURE, { backend: DIGITS });
    expect(parse(text).backend.image.tag).toBe(DIGITS);
    expect(text).toContain(`tag: "${DIGITS}"`);
  });

  it('changes nothing when the tags are already current', () => {
    const once = bumpImageTags(FIXTURE, { backend: SHA }).text;
    const twice = bumpImageTags(once, { backend: SHA });
    expect(twice.changed).toEqual([]);
    expect(twice.text).toBe(once);
  });

  it('refuses a missing key instead of creating it', () => {
    expect(() =>
      bumpImageTags('backend:\n  image:\n    repository: x\n', {
        backend: SHA,
      }),
    ).toThrow('backend.image.tag is not in the file');
    expect(() => bumpImageTags('proxy: {}\n', { proxy: SHA })).toThrow(
      'proxy.image is not in the file',
    );
  });

  it('refuses what is not an image tag', () => {
    expect(() => bumpImageTags(FIXTURE, { backend: 'a b' })).toThrow(
      'not a valid image tag',
    );
    expect(() => bumpImageTags(FIXTURE, { backend: '-x' })).toThrow(
      'not a valid image tag',
    );
    expect(() => bumpImageTags(FIXTURE, { backend: '' })).toThrow(
      'not a valid image tag',
    );
  });

  it('works on the production values ArgoCD deploys', () => {
    const file = join(repoRoot(), 'charts/novahost/values-production.yaml');
    const original = readFileSync(file, 'utf8');
    const { text, changed } = bumpImageTags(original, {
      backend: DIGITS,
      proxy: DIGITS,
      buildRunner: DIGITS,
    });
    expect(changed).toHaveLength(3);
    const values = parse(text);
    for (const key of ['backend', 'proxy', 'buildRunner']) {
      expect(values[key].image.tag).toBe(DIGITS);
    }
    const diff = original
      .split('\n')
      .filter((l, i) => l !== text.split('\n')[i]);
    expect(diff).toHaveLength(3);
  });
});
