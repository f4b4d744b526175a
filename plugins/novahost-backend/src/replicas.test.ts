import { TestDatabases } from '@backstage/backend-test-utils';
import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  NovahostTestBackend,
  REDIS_URL,
  service,
  startNovahostTestBackend,
} from './__testUtils__/backend';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });

/** Two backend replicas on one Postgres and one Redis. */
describe.each(databases.eachSupportedId())('two replicas on %p', id => {
  let a: NovahostTestBackend;
  let b: NovahostTestBackend;

  beforeAll(async () => {
    const knex = await databases.init(id);
    const storeDir = fs.mkdtempSync(
      path.join(os.tmpdir(), 'novahost-replicas-'),
    );
    const start = () =>
      startNovahostTestBackend({
        knex,
        storeDir,
        novahost: {
          builds: { concurrency: 1, timeoutSeconds: 60 },
          runner: { type: 'local' },
          bus: { type: 'redis', redis: { url: REDIS_URL } },
        },
      });
    a = await start();
    b = await start();
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('holds the concurrency limit across replicas and fans logs and routes out through Redis', async () => {
    // Three projects: deploys of one project and ref would supersede each
    // other while queued.
    const projects: Array<{ id: string }> = [];
    for (const name of ['Replicated', 'Replicated Two', 'Replicated Three']) {
      const { project: p } = await a.createSiteProject(name, {
        files: { 'index.html': 'r' },
        lines: 30,
        delayMs: 30,
      });
      projects.push(p);
    }
    const project = projects[0];

    // B's route stream, to see A's changes.
    const routeEvents = b.events('/routes/events', {
      headers: service,
      until: (_e, all) =>
        all.some(x =>
          x.data.projects?.some(
            (p: any) => p.id === project.id && p.productionDeploymentId,
          ),
        ),
      timeoutMs: 60_000,
    });

    // Deployments created on both replicas at once: one builds at a time.
    const created = await Promise.all(
      [a, b, a].map((backend, i) => backend.deploy(projects[i].id)),
    );
    const ids = created.map(d => d.id);
    let maxRunning = 0;
    let final: string[] = [];
    const statuses = async () =>
      Promise.all(
        ids.map(
          async (d, i) => (await (i % 2 ? a : b).getDeployment(d)).status,
        ),
      );
    for (;;) {
      const now = await statuses();
      maxRunning = Math.max(
        maxRunning,
        now.filter(s => s === 'building' || s === 'uploading').length,
      );
      if (now.every(s => s === 'ready' || s === 'failed')) {
        final = now;
        break;
      }
      await new Promise(r => setTimeout(r, 50));
    }
    expect(final).toEqual(['ready', 'ready', 'ready']);
    expect(maxRunning).toBe(1);

    // Every log line, on either replica, whichever built it.
    for (const d of ids) {
      const [onA, onB] = await Promise.all([a, b].map(x => x.logs(d)));
      const lines = (events: typeof onA) =>
        events
          .filter(e => e.event === 'log')
          .map(e => `${e.data.seq}:${e.data.text}`);
      expect(lines(onB)).toEqual(lines(onA));
      expect(lines(onB).filter(l => /build line/.test(l))).toHaveLength(30);
    }

    const seen = await routeEvents;
    expect(seen.length).toBeGreaterThan(1);
  });
});
