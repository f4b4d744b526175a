import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { freePort, type TestProxy } from '@internal/novahost-proxy/testUtils';
import { LocalArtifactStore } from '@internal/plugin-novahost-node';
import { createHash } from 'crypto';
import {
  as,
  ownerPolicyFeatures,
  recordingAuditor,
} from './__testUtils__/access';
import {
  Deployment,
  NovahostTestBackend,
  service,
  startNovahostTestBackend,
} from './__testUtils__/backend';
import { startProxyFor } from './__testUtils__/proxy';
import { createSiteRepo } from './__testUtils__/repo';

jest.setTimeout(240_000);

const alice = as('user:default/alice');
const bob = as('user:default/bob');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The test scheduler runs tasks on demand; its class is not exported. */
type MockScheduler = ReturnType<typeof mockServices.scheduler> & {
  factory(): ReturnType<typeof mockServices.scheduler.factory>;
  triggerTask(id: string): Promise<void>;
};

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

/**
 * Deleting deployments through the real backend, store and proxy: by their
 * owner only, never production, the branch alias going back to the
 * previous ready deployment; retention on its schedule, after which any
 * kept deployment can still be rolled back to.
 */
describe.each(databases.eachSupportedId())(
  'deleting deployments on %p',
  databaseId => {
    let nh: NovahostTestBackend;
    let proxy: TestProxy;
    let store: LocalArtifactStore;
    const scheduler = mockServices.scheduler() as MockScheduler;
    const audit = recordingAuditor();

    beforeAll(async () => {
      const port = await freePort();
      nh = await startNovahostTestBackend({
        knex: await databases.init(databaseId),
        features: [
          ...ownerPolicyFeatures(),
          audit.factory,
          scheduler.factory(),
        ],
        novahost: {
          proxy: { baseDomain: 'localhost', publicPort: port },
          builds: { concurrency: 2, timeoutSeconds: 60 },
          runner: { type: 'local' },
          retention: { keepPerBranch: 2 },
        },
      });
      store = new LocalArtifactStore(nh.storeDir);
      proxy = await startProxyFor(nh, port);
    });
    afterAll(async () => {
      await proxy?.stop();
      await nh?.stop();
    });

    const api = (
      method: 'get' | 'post' | 'delete',
      path: string,
      headers: Record<string, string> = alice,
    ) => nh.api[method](`/api/novahost${path}`).set(headers);
    const deploy = async (projectId: string, ref: string) => {
      const res = await api('post', `/projects/${projectId}/deployments`).send({
        ref,
      });
      expect(res.status).toBe(202);
      // A deployment reads ready a moment before its promotion (the move
      // to ready is made first, then settled): a main build is waited for
      // until it is production too.
      return nh.waitForDeployment(
        res.body.id,
        d =>
          ['failed', 'canceled'].includes(d.status) ||
          (d.status === 'ready' && (ref !== 'main' || d.isProduction)),
        { timeoutMs: 90_000 },
      );
    };
    const routesOf = async (projectId: string) => {
      const table = (await api('get', '/routes', service)).body;
      return table.projects.find((p: { id: string }) => p.id === projectId);
    };
    /** What the proxy serves at `<host>.localhost`, once its routes show `expected`. */
    const served = async (host: string, expected: number | string) => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const res = await proxy.get(`${host}.localhost`, '/index.html');
        const got = typeof expected === 'number' ? res.status : res.body;
        if (got === expected || Date.now() > deadline) return got;
        await new Promise(r => setTimeout(r, 50));
      }
    };
    const ids = (page: { items: Deployment[] }) => page.items.map(d => d.id);

    it('lists, deletes and keeps what it should', async () => {
      const slug = `deletions-${databaseId.toLowerCase().replace(/_/g, '-')}`;
      const shared = 'console.log("same in every build")';
      const repo = createSiteRepo({
        files: { 'index.html': 'main v1', 'app.js': shared },
      });
      const created = await api('post', '/projects').send({
        name: slug,
        repoUrl: repo.dir,
      });
      expect(created.status).toBe(201);
      const project = created.body;
      expect(project.owner).toBe('group:default/team-a');
      // Two builds at a time: main and feature, then their next commits.
      repo.checkout('feature');
      repo.commit({ 'index.html': 'feature 1', 'app.js': shared });
      const [v1, f1] = await Promise.all([
        deploy(project.id, 'main'),
        deploy(project.id, 'feature'),
      ]);
      repo.commit({ 'index.html': 'feature 2', 'app.js': shared });
      repo.checkout('main');
      repo.commit({ 'index.html': 'main v2', 'app.js': shared });
      const [v2, f2] = await Promise.all([
        deploy(project.id, 'main'),
        deploy(project.id, 'feature'),
      ]);
      repo.commit({ 'index.html': 'main v3', 'app.js': shared });
      const v3 = await deploy(project.id, 'main');
      for (const d of [v1, v2, v3, f1, f2]) expect(d.status).toBe('ready');
      expect(v3.isProduction).toBe(true);
      const alias = `${slug}-git-feature`;
      expect(await served(alias, 'feature 2')).toBe('feature 2');

      // The Production / Preview filter; totalCount counts the filtered set.
      const list = (query: string) =>
        api('get', `/projects/${project.id}/deployments${query}`, bob);
      const previews = (await list('?target=preview')).body;
      expect(ids(previews)).toEqual([f2.id, f1.id]);
      expect(previews.totalCount).toBe(2);
      const production = (await list('?target=production&limit=2')).body;
      expect(ids(production)).toEqual([v3.id, v2.id]);
      expect(production.totalCount).toBe(3);
      expect((await list('')).body.totalCount).toBe(5);
      const bad = await list('?target=staging');
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/^Invalid query: target:/);

      // Only the owner may delete; production never.
      const byBob = await api('delete', `/deployments/${f2.id}`, bob);
      expect(byBob.status).toBe(403);
      expect(byBob.body.error.message).toMatch(
        /only the owner \(group:default\/team-a\) or a Novahost admin may/,
      );
      const prod = await api('delete', `/deployments/${v3.id}`);
      expect(prod.status).toBe(409);
      expect(prod.body.error.message).toBe(
        `Deployment ${v3.shortId} is the production deployment of ${slug}; promote another deployment first`,
      );
      expect((await api('get', `/deployments/${v3.id}`)).status).toBe(200);
      expect(
        (
          await api(
            'delete',
            '/deployments/00000000-0000-0000-0000-000000000000',
          )
        ).status,
      ).toBe(404);

      // The alias goes back to the branch's previous ready deployment;
      // the deleted one's host, logs and unshared files are gone.
      expect((await api('delete', `/deployments/${f2.id}`)).status).toBe(204);
      expect((await api('get', `/deployments/${f2.id}`)).status).toBe(404);
      expect((await api('get', `/deployments/${f2.id}/logs`)).status).toBe(404);
      expect(await served(alias, 'feature 1')).toBe('feature 1');
      expect(await served(`${slug}-${f2.shortId}`, 404)).toBe(404);
      const routes = await routesOf(project.id);
      expect(routes.deployments.map((d: { id: string }) => d.id)).not.toContain(
        f2.id,
      );
      const aliasOf = (r: { aliases: Array<{ label: string }> }) =>
        r.aliases.filter(a => a.label === alias);
      expect(aliasOf(routes)).toEqual([{ label: alias, deploymentId: f1.id }]);
      expect(await store.getManifest(f2.id)).toBeUndefined();
      expect(await store.hasBlob(sha256('feature 2'))).toBe(false);
      expect(await store.hasBlob(sha256(shared))).toBe(true);
      expect(
        audit.events.filter(
          e => e.eventId === 'deployment-delete' && e.meta.id === f2.id,
        ),
      ).toEqual([
        expect.objectContaining({
          actor: 'user:default/bob',
          status: 'failed',
        }),
        expect.objectContaining({
          actor: 'user:default/alice',
          status: 'succeeded',
          meta: { id: f2.id, projectId: project.id },
        }),
      ]);

      // The branch's last deployment: its alias is no longer routed.
      expect((await api('delete', `/deployments/${f1.id}`)).status).toBe(204);
      expect(aliasOf(await routesOf(project.id))).toEqual([]);
      expect(await served(alias, 404)).toBe(404);

      // An unfinished deployment is canceled, then deleted.
      const queued = await api(
        'post',
        `/projects/${project.id}/deployments`,
      ).send({ ref: 'main' });
      expect(
        (await api('delete', `/deployments/${queued.body.id}`)).status,
      ).toBe(204);
      expect((await api('get', `/deployments/${queued.body.id}`)).status).toBe(
        404,
      );

      // Retention keeps the two newest of main: v1 goes, v2 stays, and
      // rolling back to it works.
      await scheduler.triggerTask('novahost-retention');
      expect((await api('get', `/deployments/${v1.id}`)).status).toBe(404);
      expect(await store.hasBlob(sha256('main v1'))).toBe(false);
      expect(await served(`${slug}-${v1.shortId}`, 404)).toBe(404);
      const rollback = await api(
        'post',
        `/projects/${project.id}/promote`,
      ).send({ deploymentId: v2.id });
      expect(rollback.status).toBe(200);
      expect(rollback.body.productionDeploymentId).toBe(v2.id);
      expect(await served(slug, 'main v2')).toBe('main v2');
      // v3 is no longer production: it may be deleted now.
      // The main alias served v3, and goes back to v2.
      expect((await api('delete', `/deployments/${v3.id}`)).status).toBe(204);
      expect(await served(slug, 'main v2')).toBe('main v2');
      expect(await served(`${slug}-git-main`, 'main v2')).toBe('main v2');
    });
  },
);
