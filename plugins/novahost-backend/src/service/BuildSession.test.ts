import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type {
  DeploymentManifest,
  SiteUrlOptions,
} from '@internal/plugin-novahost-common';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Readable } from 'stream';
import { createHash } from 'crypto';
import { MemoryEventBus } from '../bus';
import {
  deploymentRow,
  openTestDatabase,
  projectRow,
} from '../database/__testUtils__/fixtures';
import { NovahostDatabase } from '../database/NovahostDatabase';
import { LocalArtifactStore } from '@internal/plugin-novahost-node';
import { ArtifactGc } from './ArtifactGc';
import { BuildSession } from './BuildSession';
import { DeploymentLogs } from './DeploymentLogs';
import { DeploymentStateMachine } from './DeploymentStateMachine';
import { ProjectService } from './ProjectService';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
const content = Buffer.from('<h1>hello</h1>');
const hash = createHash('sha256').update(content).digest('hex');

describe.each(databases.eachSupportedId())('BuildSession on %p', id => {
  let db: NovahostDatabase;
  let store: LocalArtifactStore;

  /** One backend replica's build API over the shared database and store. */
  const replica = () => {
    const bus = new MemoryEventBus();
    const logs = new DeploymentLogs(db, bus);
    const logger = mockServices.logger.mock();
    const urls: SiteUrlOptions = {
      baseDomain: 'localhost',
      scheme: 'http',
      port: 8080,
    };
    return new BuildSession({
      db,
      store,
      machine: new DeploymentStateMachine({ db, logs, bus }),
      logs,
      projects: new ProjectService({
        db,
        bus,
        gc: new ArtifactGc({ db, store }),
        logger,
        urls,
        allowLocalRepos: true,
        stopBuild: async () => {},
      }),
      urls,
      buildApiUrl: 'http://127.0.0.1:7007/api/novahost',
      timeoutSeconds: 60,
      maxFileBytes: 1024,
      maxFiles: 10,
    });
  };

  beforeAll(async () => {
    db = await openTestDatabase(await databases.init(id));
    store = new LocalArtifactStore(
      fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-session-')),
    );
    await store.checkReady();
    await store.putBlob(hash, Readable.from([content]), 1024);
    await db.insertBlob(hash, content.length);
  });

  /** A project with two builds of its branch, both uploaded and about to finalize. */
  const twoUploadedBuilds = async () => {
    const project = projectRow();
    await db.insertProject(project);
    const [older, newer] = [0, 1].map(i =>
      deploymentRow(project.id, {
        status: 'uploading',
        created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      }),
    );
    for (const d of [older, newer]) {
      const manifest: DeploymentManifest = {
        version: 1,
        deploymentId: d.id,
        createdAt: new Date().toISOString(),
        files: { 'index.html': { hash, size: content.length } },
      };
      d.pending_manifest = JSON.stringify(manifest);
      await db.insertDeployment(d);
    }
    return { project, older, newer };
  };

  it('puts the newer of two builds finalizing at once on two replicas in production, in any order', async () => {
    const [a, b] = [replica(), replica()];
    for (let round = 0; round < 8; round++) {
      const { project, older, newer } = await twoUploadedBuilds();
      // Alternate who starts first and stagger by a little, so both
      // orders of the reads and writes happen.
      const first = round % 2 ? older : newer;
      const second = round % 2 ? newer : older;
      await Promise.all([
        a.finalize(first),
        new Promise(r => setTimeout(r, round % 3)).then(() =>
          b.finalize(second),
        ),
      ]);
      const after = (await db.getProject(project.id))!;
      expect(after.production_deployment_id).toBe(newer.id);
      expect((await db.getDeployment(older.id))!.status).toBe('ready');
    }
  });

  it('does not let an older build that finalizes last replace production', async () => {
    const session = replica();
    const { project, older, newer } = await twoUploadedBuilds();
    await session.finalize(newer);
    await session.finalize(older);
    expect((await db.getProject(project.id))!.production_deployment_id).toBe(
      newer.id,
    );
  });

  it('refuses a second finalize of the same deployment', async () => {
    const session = replica();
    const { newer } = await twoUploadedBuilds();
    await session.finalize(newer);
    await expect(session.finalize(newer)).rejects.toThrow(/is ready/);
  });
});
