import {
  describeEachDatabase,
  insertDeployment,
} from './__testUtils__/fixtures';

jest.setTimeout(120_000);

const hash = (c: string) => c.repeat(64);

describeEachDatabase('blob index', ctx => {
  const newDeployment = async () =>
    (await insertDeployment(ctx.db, { status: 'ready' })).id;

  it('records blobs once and finds the existing ones', async () => {
    await ctx.db.insertBlobs([
      { hash: hash('1'), size: 10 },
      { hash: hash('2'), size: 20 },
    ]);
    await ctx.db.insertBlobs([{ hash: hash('1'), size: 10 }]);
    await ctx.db.insertBlob(hash('3'), 30);
    await ctx.db.insertBlob(hash('3'), 30);
    expect(
      await ctx.db.existingBlobs([hash('1'), hash('3'), hash('4')]),
    ).toEqual(new Set([hash('1'), hash('3')]));
    // More hashes than one IN list holds.
    const many = Array.from({ length: 1200 }, (_, i) =>
      i.toString(16).padStart(64, '0'),
    );
    await ctx.db.insertBlobs(many.map(h => ({ hash: h, size: 1 })));
    expect((await ctx.db.existingBlobs(many)).size).toBe(many.length);
  });

  it('collects only blobs no deployment references', async () => {
    const a = await newDeployment();
    const b = await newDeployment();
    await ctx.db.insertBlobs(
      ['a', 'b', 'c'].map(c => ({ hash: hash(c), size: 1 })),
    );
    await ctx.db.addDeploymentBlobs(a, [hash('a'), hash('b')]);
    await ctx.db.addDeploymentBlobs(a, [hash('a')]);
    await ctx.db.addDeploymentBlobs(b, [hash('b')]);
    expect((await ctx.db.blobsOfDeployments([a, b])).sort()).toEqual([
      hash('a'),
      hash('b'),
    ]);

    const candidates = [hash('a'), hash('b'), hash('c')];
    expect(await ctx.db.collectUnreferencedBlobs(candidates)).toEqual([
      hash('c'),
    ]);
    expect(await ctx.db.existingBlobs(candidates)).toEqual(
      new Set([hash('a'), hash('b')]),
    );

    // Dropping a's references frees a, while b keeps its own.
    await ctx.db.deleteProject((await ctx.db.getDeployment(a))!.project_id);
    expect(await ctx.db.collectUnreferencedBlobs(candidates)).toEqual([
      hash('a'),
    ]);
    expect(await ctx.db.existingBlobs(candidates)).toEqual(
      new Set([hash('b')]),
    );
  });
});
