import { commitStatusFor, cutLine, MAX_DESCRIPTION } from './commitStatus';

const links = {
  context: 'novahost/site',
  siteUrl: 'https://site-git-feature.example.app',
  pageUrl: 'https://backstage.example.com/novahost/deployments/d1',
};

describe('commitStatusFor', () => {
  it('is pending while queued or building, linked to the deployment page', () => {
    for (const [status, description] of [
      ['queued', 'Queued'],
      ['building', 'Building'],
      ['uploading', 'Uploading'],
    ] as const) {
      expect(commitStatusFor({ status, error: null }, links)).toEqual({
        state: 'pending',
        description,
        context: 'novahost/site',
        target_url: links.pageUrl,
      });
    }
  });

  it('is a success with the site URL when ready', () => {
    expect(commitStatusFor({ status: 'ready', error: null }, links)).toEqual({
      state: 'success',
      description: 'Ready: https://site-git-feature.example.app',
      context: 'novahost/site',
      target_url: links.pageUrl,
    });
  });

  it('is a failure with the first line of the reason, cut to what GitHub takes', () => {
    const failed = commitStatusFor(
      {
        status: 'failed',
        error: `npm run build exited with 1\n${'x'.repeat(500)}`,
      },
      links,
    );
    expect(failed).toMatchObject({
      state: 'failure',
      description: 'Failed: npm run build exited with 1',
    });
    const long = commitStatusFor(
      { status: 'failed', error: 'y'.repeat(500) },
      links,
    );
    expect(long.description).toHaveLength(MAX_DESCRIPTION);
    expect(long.description.endsWith('…')).toBe(true);
    expect(
      commitStatusFor({ status: 'failed', error: 'Failed' }, links),
    ).toMatchObject({ description: 'Failed' });
  });

  it('is an error when canceled, and has no link without a Backstage URL', () => {
    expect(
      commitStatusFor(
        { status: 'canceled', error: 'Superseded by ab12cd34' },
        { context: 'novahost/site', siteUrl: links.siteUrl },
      ),
    ).toEqual({
      state: 'error',
      description: 'Canceled: Superseded by ab12cd34',
      context: 'novahost/site',
    });
    expect(
      commitStatusFor(
        { status: 'canceled', error: 'Canceled by user:default/ann' },
        links,
      ).description,
    ).toBe('Canceled by user:default/ann');
  });
});

describe('cutLine', () => {
  it('keeps short text on one line and cuts long text', () => {
    expect(cutLine('  a\n b  ', 10)).toBe('a b');
    expect(cutLine('abcdefghijk', 5)).toBe('abcd…');
  });
});
