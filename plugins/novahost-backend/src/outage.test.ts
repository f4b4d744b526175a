import { startNovahostTestBackend } from './__testUtils__/backend';

jest.setTimeout(60_000);

/** Redis is down for the whole life of this backend. */
describe('novahost with Redis unreachable', () => {
  it('starts, builds, and streams every log line and the final status from the database', async () => {
    const nh = await startNovahostTestBackend({
      novahost: {
        runner: { type: 'local' },
        bus: { type: 'redis', redis: { url: 'redis://127.0.0.1:1' } },
      },
    });
    try {
      const { deployment: d } = await nh.deploySite('Outage', {
        files: { 'index.html': 'x' },
        lines: 10,
        delayMs: 20,
      });
      const events = await nh.logs(d.id, { timeoutMs: 30_000 });
      expect(events[events.length - 1].data).toEqual({
        status: 'ready',
        error: null,
      });
      const seqs = events.filter(e => e.event === 'log').map(e => e.data.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      expect(
        events.filter(e => /^build line/.test(e.data?.text ?? '')),
      ).toHaveLength(10);
    } finally {
      await nh.stop();
    }
  });
});
