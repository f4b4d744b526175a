import { cachePolicy } from './policy';

const project = { branch: 'main' };
const row = (o: Partial<Parameters<typeof cachePolicy>[0]>) => ({
  target: 'production' as const,
  branch: 'main' as string | null,
  fork: false,
  build_cache: true,
  ...o,
});

describe('cachePolicy', () => {
  it('lets production builds of the production branch restore and save its entries', () => {
    expect(cachePolicy(row({}), project)).toEqual({
      restoreFrom: ['main'],
      saveAs: 'main',
    });
  });

  it('lets a preview read the production branch but write only its own', () => {
    expect(
      cachePolicy(row({ target: 'preview', branch: 'feature' }), project),
    ).toEqual({
      restoreFrom: ['feature', 'main'],
      saveAs: 'feature',
    });
    const fromMain = cachePolicy(
      row({ target: 'preview', branch: 'main' }),
      project,
    );
    expect(fromMain).toMatchObject({ restoreFrom: ['main'], saveAs: null });
    expect(fromMain.noSave).toMatch(/never writes the production branch/);
  });

  it('keeps forks away from the cache entirely', () => {
    for (const branch of ['main', 'feature']) {
      const p = cachePolicy(
        row({ target: 'preview', branch, fork: true }),
        project,
      );
      expect(p).toMatchObject({ restoreFrom: [], saveAs: null });
      expect(p.noRestore).toMatch(/forks/);
    }
  });

  it('saves nothing for a commit deployed by SHA', () => {
    expect(cachePolicy(row({ branch: null }), project)).toMatchObject({
      restoreFrom: ['main'],
      saveAs: null,
    });
  });

  it('restores nothing but saves afresh on a redeploy without cache', () => {
    const p = cachePolicy(
      row({ build_cache: 0 as unknown as boolean }),
      project,
    );
    expect(p).toMatchObject({ restoreFrom: [], saveAs: 'main' });
    expect(p.noRestore).toMatch(/without the cache/);
  });
});
