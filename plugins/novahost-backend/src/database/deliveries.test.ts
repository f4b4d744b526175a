import { describeEachDatabase } from './__testUtils__/fixtures';

jest.setTimeout(60_000);

describeEachDatabase('webhook deliveries', ctx => {
  const delivery = (id: string, at: number, repoKey = 'github.com/acme/a') => ({
    delivery_id: id,
    event: 'push',
    repo_key: repoKey,
    received_at: new Date(at),
  });

  it('is claimed once: a redelivery of the same id is refused', async () => {
    expect(await ctx.db.deliveries.claim(delivery('d-1', 1_000))).toBe(true);
    expect(await ctx.db.deliveries.claim(delivery('d-1', 2_000))).toBe(false);
    await ctx.db.deliveries.setOutcome('d-1', 'site: deployed abc1234');
    expect(await ctx.db.deliveries.claim(delivery('d-1', 3_000))).toBe(false);
    expect(await ctx.db.deliveries.get('d-1')).toMatchObject({
      outcome: 'site: deployed abc1234',
    });
  });

  it('may be claimed again when its handling failed, by one claimant only', async () => {
    await ctx.db.deliveries.claim(delivery('d-2', 1_000));
    await ctx.db.deliveries.setOutcome('d-2', 'failed: database unreachable');
    const claims = await Promise.all([
      ctx.db.deliveries.claim(delivery('d-2', 2_000)),
      ctx.db.deliveries.claim(delivery('d-2', 2_000)),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await ctx.db.deliveries.get('d-2')).toMatchObject({
      outcome: null,
    });
  });

  it('tells the newest delivery of a repository and forgets old ones', async () => {
    const key = 'github.com/acme/newest';
    await ctx.db.deliveries.claim(delivery('n-old', 1_000, key));
    await ctx.db.deliveries.claim(delivery('n-new', 5_000, key));
    await ctx.db.deliveries.claim(delivery('n-other', 9_000, 'x/y/z'));
    expect(await ctx.db.deliveries.latest(key)).toMatchObject({
      delivery_id: 'n-new',
    });
    expect(await ctx.db.deliveries.latest('github.com/acme/none')).toBe(
      undefined,
    );
    expect(await ctx.db.deliveries.purge(new Date(2_000))).toBeGreaterThan(0);
    expect(await ctx.db.deliveries.get('n-old')).toBe(undefined);
    expect(await ctx.db.deliveries.get('n-new')).toBeDefined();
  });
});
