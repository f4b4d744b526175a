import {
  envNameSchema,
  isReservedEnvName,
  MAX_ENV_VALUE_BYTES,
  putEnvVarSchema,
  redeploySchema,
} from './env';

const nameError = (name: string) => {
  const r = envNameSchema.safeParse(name);
  return r.success ? undefined : r.error.issues[0].message;
};

describe('environment variable names', () => {
  it('takes POSIX names', () => {
    for (const ok of ['VITE_API_URL', '_x', 'a1', 'NEXT_PUBLIC_KEY', 'Node']) {
      expect(nameError(ok)).toBeUndefined();
    }
    for (const bad of ['1A', 'A-B', 'A B', '', 'É', 'A=B', 'a.b']) {
      expect(nameError(bad)).toMatch(/POSIX name/);
    }
    expect(nameError('A'.repeat(257))).toMatch(/at most 256/);
  });

  it('refuses what the platform owns, naming the rule', () => {
    for (const reserved of [
      'NOVAHOST',
      'NOVAHOST_URL',
      'NOVAHOST_ANYTHING',
      'CI',
      'PATH',
      'HOME',
      'TMPDIR',
      'LD_PRELOAD',
      'LD_LIBRARY_PATH',
      'HTTPS_PROXY',
      'https_proxy',
      'no_proxy',
    ]) {
      expect(isReservedEnvName(reserved)).toBe(true);
      expect(nameError(reserved)).toBe(
        `${reserved} is reserved by Novahost (NOVAHOST and NOVAHOST_*, CI, PATH, HOME, TMPDIR, PWD, SHELL, USER, the proxy variables and LD_* are set by the platform)`,
      );
    }
    for (const free of [
      'NODE_OPTIONS',
      'NOVAHOSTED',
      'ci',
      'Path',
      'NPM_TOKEN',
    ]) {
      expect(isReservedEnvName(free)).toBe(false);
    }
  });
});

describe('setting a variable', () => {
  const issue = (body: unknown) => {
    const r = putEnvVarSchema.safeParse(body);
    return r.success
      ? undefined
      : `${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`;
  };

  it('takes a value, one or both targets and the secret flag', () => {
    expect(putEnvVarSchema.parse({ value: 'x', targets: ['preview'] })).toEqual(
      { value: 'x', targets: ['preview'], secret: false },
    );
    expect(
      issue({
        value: 'long enough',
        targets: ['production', 'preview'],
        secret: true,
      }),
    ).toBeUndefined();
  });

  it('says what is wrong', () => {
    expect(issue({ value: 'x', targets: [] })).toBe(
      'targets: must name production, preview or both',
    );
    expect(issue({ value: 'x', targets: ['staging'] })).toMatch(
      /^targets\.0: /,
    );
    expect(issue({ value: 'x', targets: ['preview', 'preview'] })).toBe(
      'targets: must not repeat a target',
    );
    expect(issue({ value: 'x', targets: ['preview'], extra: 1 })).toMatch(
      /extra/,
    );
    expect(
      issue({
        value: 'é'.repeat(MAX_ENV_VALUE_BYTES / 2 + 1),
        targets: ['preview'],
      }),
    ).toBe('value: must be at most 64 KiB');
    expect(issue({ value: 'a\0b', targets: ['preview'] })).toBe(
      'value: must not contain NUL characters',
    );
    expect(issue({ value: 'short', targets: ['preview'], secret: true })).toBe(
      'value: a secret must be at least 8 characters (shorter ones cannot be masked in build logs); store it as a plain variable',
    );
  });

  it('redeploys with or without the cache', () => {
    expect(redeploySchema.parse({})).toEqual({});
    expect(redeploySchema.parse({ cache: false })).toEqual({ cache: false });
    expect(redeploySchema.safeParse({ cache: 'no' }).success).toBe(false);
  });
});
