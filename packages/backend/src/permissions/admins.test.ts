import { ConfigReader } from '@backstage/config';
import { readAdmins } from './admins';

const read = (admins?: unknown) =>
  readAdmins(
    new ConfigReader(admins === undefined ? {} : { novahost: { admins } }),
  );

describe('readAdmins', () => {
  it('is empty when novahost.admins is not set', () => {
    expect(read()).toEqual([]);
  });

  it('gives full lower-case refs; a bare name is a group in default', () => {
    expect(
      read(['platform', 'Group:Ops/SRE', 'user:default/Carol', 'group:x']),
    ).toEqual([
      'group:default/platform',
      'group:ops/sre',
      'user:default/carol',
      'group:default/x',
    ]);
  });

  it('names the entry that is not an entity ref', () => {
    expect(() => read(['group:default/platform', 'group:'])).toThrow(
      /^novahost\.admins\[1\] is not an entity ref/,
    );
  });

  it('refuses a value that is not a list of strings', () => {
    expect(() => read('group:default/platform')).toThrow(/novahost\.admins/);
  });
});
