import { TestDatabases } from '@backstage/backend-test-utils';
import {
  NovahostTestBackend,
  startNovahostTestBackend,
  user,
} from './__testUtils__/backend';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

/** The queue and log limits through the public API and a real build. */
describe.each(databases.eachSupportedId())('limits on %p', id => {
  describe('queued deployments', () => {
    let nh: NovahostTestBackend;

    beforeAll(async () => {
      nh = await startNovahostTestBackend({
        knex: await databases.init(id),
        // No build slot: everything deployed stays queued.
        novahost: { builds: { concurrency: 0, maxQueuedPerUser: 2 } },
      });
    });
    afterAll(() => nh?.stop());

    const deploy = (projectId: string) =>
      nh.api
        .post(`/api/novahost/projects/${projectId}/deployments`)
        .set(user)
        .send({});

    it('supersedes a queued deployment of the same ref and refuses a user past maxQueuedPerUser with 429', async () => {
      const projects: Array<{ id: string }> = [];
      for (const name of ['Queue One', 'Queue Two', 'Queue Three']) {
        const { project } = await nh.createSiteProject(name, {
          files: { 'index.html': name },
        });
        projects.push(project);
      }
      const first = await deploy(projects[0].id);
      expect(first.status).toBe(202);
      expect((await deploy(projects[1].id)).status).toBe(202);

      const refused = await deploy(projects[2].id);
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({
        name: 'TooManyRequestsError',
        message: expect.stringMatching(
          /already has 2 queued deployments.*novahost\.builds\.maxQueuedPerUser is 2/,
        ),
      });

      // A new deploy of the first project replaces its queued one.
      const second = await deploy(projects[0].id);
      expect(second.status).toBe(202);
      expect(await nh.getDeployment(first.body.id)).toMatchObject({
        status: 'canceled',
        error: `Superseded by ${second.body.shortId}`,
      });
      const events = await nh.logs(first.body.id);
      expect(events.map(e => e.data.text)).toContain(
        `Superseded by ${second.body.shortId}`,
      );
    });
  });

  describe('log lines', () => {
    let nh: NovahostTestBackend;

    beforeAll(async () => {
      nh = await startNovahostTestBackend({
        knex: await databases.init(id),
        novahost: {
          builds: { concurrency: 1, timeoutSeconds: 60, maxLogLines: 25 },
        },
      });
    });
    afterAll(() => nh?.stop());

    it('truncates a long build log and lets the build finish', async () => {
      const { deployment } = await nh.deploySite('Chatty', {
        files: { 'index.html': 'chatty' },
        lines: 200,
      });
      const ready = await nh.waitForDeployment(
        deployment.id,
        d =>
          d.status !== 'queued' &&
          d.status !== 'building' &&
          d.status !== 'uploading',
        { timeoutMs: 90_000 },
      );
      expect(ready).toMatchObject({ status: 'ready', error: null });

      // The status reads ready a moment before the settled "ready" line is
      // stored (the move is made first): read until it is there.
      const readLines = async () =>
        (await nh.logs(deployment.id))
          .filter(e => e.event === 'log')
          .map(e => e.data);
      let lines = await readLines();
      for (
        let i = 0;
        i < 50 && !/^Deployment ready at /.test(lines.at(-1)?.text ?? '');
        i++
      ) {
        await new Promise(r => setTimeout(r, 100));
        lines = await readLines();
      }
      const notice = lines.findIndex(l =>
        /^Log truncated after 25 lines \/ \d+ bytes/.test(l.text),
      );
      expect(notice).toBe(25);
      expect(lines[notice].stream).toBe('system');
      // After it: only the platform's own lines, the last one "ready".
      const after = lines.slice(notice + 1);
      expect(after.every(l => l.stream === 'system')).toBe(true);
      expect(after.some(l => /build line/.test(l.text))).toBe(false);
      expect(after[after.length - 1].text).toMatch(/^Deployment ready at /);
    });
  });
});
