import {
  describeEachDatabase,
  insertDeployment,
} from './__testUtils__/fixtures';
import { truncationNotice } from './logs';

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

  describe('limits', () => {
    const texts = async (id: string) =>
      (await ctx.db.readLogs(id, 0, 1000)).map(l => [l.seq, l.stream, l.text]);

    it('stores up to maxLines, then one notice, then drops build lines but not platform ones', async () => {
      const id = await newDeployment();
      const limits = { maxLines: 5, maxBytes: 1_000_000 };
      await ctx.db.appendLogs(
        id,
        [line('a', 1), line('b', 2), line('c', 3)],
        limits,
      );
      const batch = ['d', 'e', 'f', 'g'].map((t, i) => line(t, 4 + i));
      const stored = await ctx.db.appendLogs(id, batch, limits);
      const notice = truncationNotice(5, 5, limits);
      expect(notice).toMatch(
        /^Log truncated after 5 lines \/ 5 bytes .*the build continues/,
      );
      expect(stored.map(l => [l.seq, l.stream, l.text])).toEqual([
        [4, 'stdout', 'd'],
        [5, 'stdout', 'e'],
        [6, 'system', notice],
      ]);
      // Later lines and a retried batch are accepted and dropped, quietly.
      expect(await ctx.db.appendLogs(id, [line('h', 8)], limits)).toEqual([]);
      expect(await ctx.db.appendLogs(id, batch, limits)).toEqual([]);
      // The platform's own lines (no limits) are still stored.
      await ctx.db.appendLogs(id, [
        { ...line('Build failed'), stream: 'system' },
      ]);
      expect(await texts(id)).toEqual([
        [1, 'stdout', 'a'],
        [2, 'stdout', 'b'],
        [3, 'stdout', 'c'],
        [4, 'stdout', 'd'],
        [5, 'stdout', 'e'],
        [6, 'system', notice],
        [7, 'system', 'Build failed'],
      ]);
      expect(await ctx.db.getDeployment(id)).toMatchObject({ log_seq: 7 });
      expect(Boolean((await ctx.db.getDeployment(id))!.log_truncated)).toBe(
        true,
      );
    });

    it('counts UTF-8 bytes against maxBytes, and drops smaller lines after a big one', async () => {
      const id = await newDeployment();
      const limits = { maxLines: 1000, maxBytes: 10 };
      // 4 + 4 (two 2-byte characters) + 2 = 10 bytes: all fit.
      await ctx.db.appendLogs(
        id,
        [line('abcd'), line('éé'), line('xy')],
        limits,
      );
      await ctx.db.appendLogs(id, [line('z'), line('')], limits);
      const notice = truncationNotice(3, 10, limits);
      expect(await texts(id)).toEqual([
        [1, 'stdout', 'abcd'],
        [2, 'stdout', 'éé'],
        [3, 'stdout', 'xy'],
        [4, 'system', notice],
      ]);
      expect(Number((await ctx.db.getDeployment(id))!.log_bytes)).toBe(
        10 + Buffer.byteLength(notice),
      );
    });

    it('holds the line limit under concurrent appends (as from several replicas)', async () => {
      const id = await newDeployment();
      const limits = { maxLines: 20, maxBytes: 1_000_000 };
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          ctx.db.appendLogs(
            id,
            [0, 1, 2].map(j => line(`${i}-${j}`, i * 3 + j + 1)),
            limits,
          ),
        ),
      );
      const all = await ctx.db.readLogs(id, 0, 1000);
      expect(all.map(l => l.seq)).toEqual(
        Array.from({ length: 21 }, (_, i) => i + 1),
      );
      expect(all.filter(l => l.stream === 'system').map(l => l.seq)).toEqual([
        21,
      ]);
      expect(all[20].text).toBe(
        truncationNotice(
          20,
          all.slice(0, 20).reduce((n, l) => n + l.text.length, 0),
          limits,
        ),
      );
    });
  });
});
