import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  ArtifactStore,
  artifactStoreFromConfig,
} from '@internal/plugin-novahost-node';
import { createHash } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Readable } from 'stream';
import { startS3Server } from '../__testUtils__/s3';
import { MemoryEventBus } from '../bus';
import {
  deploymentRow,
  describeEachDatabase,
  projectRow,
} from '../database/__testUtils__/fixtures';
import { DeploymentRow, ProjectRow } from '../database/tables';
import { ArtifactGc } from './ArtifactGc';
import { ROUTES_CHANNEL } from './channels';
import { DeploymentRemoval } from './DeploymentRemoval';
import { readRetentionSettings, Retention } from './Retention';

jest.setTimeout(120_000);

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const HOUR = 3_600_000;

describe('readRetentionSettings', () => {
  const read = (retention?: object) =>
    readRetentionSettings(new ConfigReader({ novahost: { retention } }));

  it('keeps 10 per branch for a day after a preview is closed, hourly, by default', () => {
    expect(read()).toEqual({
      enabled: true,
      intervalMinutes: 60,
      keepPerBranch: 10,
      removedPreviewGraceHours: 24,
      webhookDeliveryDays: 30,
    });
    expect(read({ keepPerBranch: 3, enabled: false })).toMatchObject({
      keepPerBranch: 3,
      enabled: false,
    });
  });

  it('refuses a window that would delete everything, and nonsense', () => {
    expect(() => read({ keepPerBranch: 0 })).toThrow(
      'novahost.retention.keepPerBranch must be an integer of at least 1, got 0',
    );
    expect(() => read({ keepPerBranch: 2.5 })).toThrow(/keepPerBranch/);
    expect(() => read({ removedPreviewGraceHours: -1 })).toThrow(
      /removedPreviewGraceHours/,
    );
    expect(() => read({ intervalMinutes: 0 })).toThrow(/intervalMinutes/);
  });
});

describeEachDatabase('Retention', ctx => {
  let s3: Awaited<ReturnType<typeof startS3Server>>;
  let localDir: string;
  beforeAll(async () => {
    s3 = await startS3Server();
    localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-retention-'));
  });
  afterAll(async () => {
    await s3?.close();
    fs.rmSync(localDir, { recursive: true, force: true });
  });

  const stores: Array<[string, () => object]> = [
    ['local', () => ({ type: 'local', local: { directory: localDir } })],
    ['s3', () => s3.storeConfig()],
  ];

  describe.each(stores)('with the %s store', (_name, storeConfig) => {
    let store: ArtifactStore;
    let retention: Retention;
    let routeChanges = 0;
    const now = Date.now();

    beforeAll(async () => {
      const logger = mockServices.logger.mock();
      store = artifactStoreFromConfig(
        new ConfigReader({ novahost: { store: storeConfig() } }),
        logger,
      );
      await store.checkReady();
      const bus = new MemoryEventBus();
      await bus.subscribe(ROUTES_CHANNEL, () => {
        routeChanges++;
      });
      const removal = new DeploymentRemoval({
        db: ctx.db,
        bus,
        gc: new ArtifactGc({ db: ctx.db, store }),
        logger,
        cancel: async () => {
          throw new Error('retention never cancels a build');
        },
      });
      retention = new Retention({
        db: ctx.db,
        removal,
        logger,
        now: () => new Date(now),
        settings: readRetentionSettings(
          new ConfigReader({ novahost: { retention: { keepPerBranch: 2 } } }),
        ),
      });
    });

    let at = 0;
    /** A finished deployment whose files are in the store and indexed, as a build leaves it. */
    const deploy = async (
      project: ProjectRow,
      files: Record<string, string>,
      fields: Partial<DeploymentRow> = {},
    ) => {
      const row = deploymentRow(project.id, {
        status: 'ready',
        branch: 'main',
        created_at: new Date(Date.UTC(2026, 0, 1) + ++at * 1000),
        ...fields,
      });
      await ctx.db.insertDeployment(row);
      const entries = Object.entries(files).map(([p, content]) => ({
        path: p,
        hash: sha256(content),
        size: Buffer.byteLength(content),
        content,
      }));
      await ctx.db.addDeploymentBlobs(
        row.id,
        entries.map(e => e.hash),
      );
      for (const e of entries) {
        await store.putBlob(
          e.hash,
          Readable.from([Buffer.from(e.content)]),
          1024,
        );
      }
      await ctx.db.insertBlobs(entries);
      await store.putManifest({
        version: 1,
        deploymentId: row.id,
        createdAt: new Date().toISOString(),
        files: Object.fromEntries(
          entries.map(e => [e.path, { hash: e.hash, size: e.size }]),
        ),
      });
      await ctx.db.appendLogs(row.id, [
        { ts: new Date(), stream: 'stdout', text: `built ${row.id}` },
      ]);
      return row;
    };

    /** Whether the proxy could serve it: its manifest and every blob it names are stored. */
    const servable = async (id: string) => {
      const manifest = await store.getManifest(id);
      if (!manifest) return false;
      for (const f of Object.values(manifest.files)) {
        if (!(await store.hasBlob(f.hash))) return false;
      }
      return true;
    };

    it('deletes what is past the window and closed previews, with their logs and unshared blobs', async () => {
      const project = projectRow();
      await ctx.db.insertProject(project);
      const shared = 'shared.js of every build';
      // main: v1 is production (a rollback); v2 past the window; v3, v4 kept.
      const v1 = await deploy(project, {
        'index.html': 'v1',
        'app.js': shared,
      });
      const v2 = await deploy(project, {
        'index.html': 'v2',
        'app.js': shared,
      });
      const failed = await deploy(
        project,
        { 'index.html': 'failed' },
        { status: 'failed' },
      );
      const v3 = await deploy(project, {
        'index.html': 'v3',
        'app.js': shared,
      });
      const v4 = await deploy(project, {
        'index.html': 'v4',
        'app.js': shared,
      });
      await ctx.db.setProduction(project.id, v1.id);
      const running = deploymentRow(project.id, {
        status: 'building',
        branch: 'main',
        created_at: new Date(Date.UTC(2025, 0, 1)),
      });
      await ctx.db.insertDeployment(running);
      // A closed pull request's preview, past the grace period; its file
      // is also in another project's deployment.
      const sharedAcross = 'same content in another project';
      const closed = await deploy(
        project,
        { 'index.html': 'closed preview', 'x.txt': sharedAcross },
        { branch: 'closed', target: 'preview', pr_number: 4 },
      );
      await ctx.db.aliases.point(project, closed);
      await ctx.db.aliases.remove(project.id, 'closed');
      // Another project's deployment is production; an open preview
      // recently closed is still in its grace period.
      const other = projectRow();
      await ctx.db.insertProject(other);
      const otherProd = await deploy(other, { 'x.txt': sharedAcross });
      await ctx.db.setProduction(other.id, otherProd.id);
      const graceful = await deploy(
        other,
        { 'index.html': 'closed an hour ago' },
        { branch: 'young', target: 'preview' },
      );
      await ctx.db.aliases.point(other, graceful);
      await ctx.db.aliases.remove(other.id, 'young');
      await ctx
        .knex('novahost_aliases')
        .update({
          removed_at: new Date(now - HOUR),
        })
        .where({ project_id: other.id });
      await ctx
        .knex('novahost_aliases')
        .update({
          removed_at: new Date(now - 48 * HOUR),
        })
        .where({ project_id: project.id, branch: 'closed' });
      // Webhook deliveries: one past 30 days.
      for (const [id, ageDays] of [
        [`old-${project.id}`, 31],
        [`new-${project.id}`, 1],
      ] as const) {
        await ctx.db.deliveries.claim({
          delivery_id: id,
          event: 'push',
          repo_key: null,
          received_at: new Date(now - ageDays * 24 * HOUR),
        });
      }
      const changesBefore = routeChanges;

      const report = await retention.run();

      expect(report).toMatchObject({
        expired: 2,
        removedPreviews: 1,
        aliases: 1,
        webhookDeliveries: 1,
      });
      const gone = [v2, failed, closed];
      const kept = [v1, v3, v4, otherProd, graceful];
      for (const d of gone) {
        expect(await ctx.db.getDeployment(d.id)).toBeUndefined();
        expect(await store.getManifest(d.id)).toBeUndefined();
        expect(await ctx.db.readLogs(d.id, 0, 10)).toEqual([]);
      }
      // Rollback works to every kept deployment: all its files are there.
      for (const d of kept) {
        expect({ id: d.id, servable: await servable(d.id) }).toEqual({
          id: d.id,
          servable: true,
        });
        expect(await ctx.db.readLogs(d.id, 0, 10)).toHaveLength(1);
      }
      expect((await ctx.db.getDeployment(running.id))?.status).toBe('building');
      // Blobs only the deleted ones used are gone; shared ones stay.
      for (const content of ['v2', 'failed', 'closed preview']) {
        expect(await store.hasBlob(sha256(content))).toBe(false);
      }
      expect(await store.hasBlob(sha256(shared))).toBe(true);
      expect(await store.hasBlob(sha256(sharedAcross))).toBe(true);
      expect(report.blobs).toBe(3);
      expect(await ctx.db.existingBlobs([sha256('v2')])).toEqual(new Set());
      // The closed preview's alias is gone; the young one waits.
      expect(await ctx.db.aliases.get(project.id, 'closed')).toBeUndefined();
      expect(await ctx.db.aliases.get(other.id, 'young')).toBeDefined();
      expect(await ctx.db.deliveries.get(`old-${project.id}`)).toBeUndefined();
      expect(await ctx.db.deliveries.get(`new-${project.id}`)).toBeDefined();
      expect(routeChanges).toBeGreaterThan(changesBefore);

      // Nothing more to do on the next run.
      expect(await retention.run()).toEqual({
        expired: 0,
        removedPreviews: 0,
        blobs: 0,
        aliases: 0,
        webhookDeliveries: 0,
      });
    });
  });
});
