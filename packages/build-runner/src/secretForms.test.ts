import { redact, secretForms } from './redact.ts';

const SECRET = 'cms-token/with+special=chars & spaces?';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (s: string) => Buffer.from(s).toString('base64url');
const mask = (text: string, secret = SECRET) =>
  redact(text, secretForms(secret));

describe('secretForms', () => {
  it('masks the value, its base64 and its URL encoding', () => {
    expect(mask(`token: ${SECRET}`)).toBe('token: ***');
    expect(mask(`basic ${b64(SECRET)}`)).toBe('basic ***');
    expect(mask(`url-safe ${b64url(SECRET)}`)).toBe('url-safe ***');
    expect(mask(`q=${encodeURIComponent(SECRET)}&x=1`)).toBe('q=***&x=1');
    expect(
      mask(`form ${encodeURIComponent(SECRET).replace(/%20/g, '+')}`),
    ).toBe('form ***');
  });

  it('masks the secret inside a longer base64 text, at any byte offset', () => {
    for (const prefix of ['', 'a', 'ab', 'abc', 'TOKEN=', 'user:']) {
      for (const suffix of ['', '\n', '!!']) {
        const encoded = b64(`${prefix}${SECRET}${suffix}`);
        const out = mask(`echo ${encoded}`);
        expect(out).toContain('***');
        // What is left around the mask is too short to recover the secret.
        const left = out.replace('echo ', '').split('***').join('');
        expect(left.length).toBeLessThanOrEqual(
          Math.ceil(((prefix.length + suffix.length + 2) * 8) / 6) + 4,
        );
        expect(Buffer.from(left, 'base64').toString('latin1')).not.toContain(
          'special',
        );
      }
    }
  });

  it('masks each line of a multi-line secret', () => {
    const pem = 'first-line-of-key\nsecond-line-of-key';
    expect(mask('first-line-of-key', pem)).toBe('***');
    expect(mask('  second-line-of-key', pem)).toBe('  ***');
  });

  it('leaves out forms too short to mask without masking words', () => {
    expect(secretForms('abcdefgh').every(f => f.length >= 8)).toBe(true);
    expect(secretForms('a\nbb\nlonger-line')).not.toContain('bb');
    expect(secretForms('abc')).toEqual([]);
  });
});
