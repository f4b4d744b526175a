import { parseDotenv } from './dotenv';

describe('parseDotenv', () => {
  it('reads what dotenv files hold', () => {
    const text = [
      '\uFEFF# a comment',
      'PLAIN=value',
      'export EXPORTED=yes',
      '  SPACED = padded  ',
      'EMPTY=',
      'INLINE=value # a comment',
      'HASH=a#b',
      "SINGLE='literal $HOME \\n # not a comment'",
      'DOUBLE="line\\nnext \\"quoted\\" \\\\ end" # comment',
      'BACKTICK=`it\'s "both"`',
      'MULTI="first',
      'second"',
      "PEM='-----BEGIN KEY-----",
      'abc',
      "-----END KEY-----'",
      'PLAIN=again',
      '',
    ].join('\r\n');
    const { entries, errors } = parseDotenv(text);
    expect(errors).toEqual([]);
    expect(Object.fromEntries(entries.map(e => [e.name, e.value]))).toEqual({
      EXPORTED: 'yes',
      SPACED: 'padded',
      EMPTY: '',
      INLINE: 'value',
      HASH: 'a#b',
      SINGLE: 'literal $HOME \\n # not a comment',
      DOUBLE: 'line\nnext "quoted" \\ end',
      BACKTICK: 'it\'s "both"',
      MULTI: 'first\nsecond',
      PEM: '-----BEGIN KEY-----\nabc\n-----END KEY-----',
      PLAIN: 'again',
    });
    // The last value wins, in the place of the last line.
    expect(entries.map(e => e.name).slice(-1)).toEqual(['PLAIN']);
    expect(entries.find(e => e.name === 'MULTI')?.line).toBe(11);
  });

  it('reports the lines it cannot read', () => {
    const { entries, errors } = parseDotenv(
      'GOOD=1\njust words\n1BAD=x\nOPEN="never closed\nMORE=2',
    );
    expect(entries.map(e => e.name)).toEqual(['GOOD']);
    expect(errors).toEqual([
      { line: 2, message: 'not NAME=value' },
      { line: 3, message: '1BAD is not a valid variable name' },
      { line: 4, message: 'OPEN: unclosed "' },
    ]);
  });
});
