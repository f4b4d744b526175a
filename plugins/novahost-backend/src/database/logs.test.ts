import {
  describeEachDatabase,
  insertDeployment,
} from './__testUtils__/fixtures';

jest.setTimeout(120_000);

describeEachDatabase('deployment logs', ctx => {
  const newDeployment = async () =>
    (await insertDeployment(ctx.db, { status: 'building' })).id;

  const line = (text: string, clientSeq?: number) => ({
    clientSeq,
    ts: new Date(),
    stream: 'stdout',
    text,
  });

  it('numbers lines from 1 in order across batches', async () => {
    const id = await newDeployment();
    const first = await ctx.db.appendLogs(id, [line('a'), line('b')]);
    const second = await ctx.db.appendLogs(id, [line('c')]);
    expect(first.map(l => [l.seq, l.text])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(second.map(l => [l.seq, l.text])).toEqual([[3, 'c']]);
    expect(await ctx.db.appendLogs(id, [])).toEqual([]);
    expect((await ctx.db.getDeployment(id))?.log_seq).toBe(3);
  });

  it('drops lines whose clientSeq is already stored or repeated', async () => {
    const id = await newDeployment();
    await ctx.db.appendLogs(id, [line('a', 1), line('b', 2)]);
    // A retried batch with one new line, a duplicate in the batch, and a
    // line without clientSeq (always stored).
    const stored = await ctx.db.appendLogs(id, [
      line('b again', 2),
      line('c', 3),
      line('c again', 3),
      line('plain'),
    ]);
    expect(stored.map(l => [l.seq, l.text])).toEqual([
      [3, 'c'],
      [4, 'plain'],
    ]);
    expect(await ctx.db.appendLogs(id, [line('a', 1)])).toEqual([]);
    const all = await ctx.db.readLogs(id, 0, 100);
    expect(all.map(l => [l.seq, l.text, l.client_seq])).toEqual([
      [1, 'a', 1],
      [2, 'b', 2],
      [3, 'c', 3],
      [4, 'plain', null],
    ]);
  });

  it('keeps numbers unique and gapless under concurrent appends', async () => {
    const id = await newDeployment();
    const batches = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        ctx.db.appendLogs(id, [line(`${i}-0`), line(`${i}-1`)]),
      ),
    );
    const seqs = batches.flat().map(l => l.seq);
    expect(seqs.sort((a, b) => a - b)).toEqual(
      Array.from({ length: 16 }, (_, i) => i + 1),
    );
    for (const batch of batches) {
      expect(batch[1].seq).toBe(batch[0].seq + 1);
    }
  });

  it('reads after a cursor, up to a limit', async () => {
    const id = await newDeployment();
    await ctx.db.appendLogs(
      id,
      ['a', 'b', 'c', 'd'].map(t => line(t)),
    );
    const page = await ctx.db.readLogs(id, 1, 2);
    expect(page.map(l => l.seq)).toEqual([2, 3]);
    expect(await ctx.db.readLogs(id, 4, 10)).toEqual([]);
  });
});
