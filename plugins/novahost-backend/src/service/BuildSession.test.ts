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
import { InputError } from '@backstage/errors';
import { ArtifactGc } from './ArtifactGc';
import { BuildSession, BuildSessionOptions } from './BuildSession';
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
  const replica = (
    limits: Partial<BuildSessionOptions> & {
      log?: { maxLines: number; maxBytes: number };
      /** What GitCredentials.secrets() would give. */
      secrets?: string[];
    } = {},
  ) => {
    const bus = new MemoryEventBus();
    const logs = new DeploymentLogs(
      db,
      bus,
      limits.log,
      () => limits.secrets ?? [],
    );
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
      maxOutputBytes: 10 * 1024,
      maxProjectStoredBytes: 2 ** 30,
      ...limits,
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

  describe('limits', () => {
    const sha = (text: string) =>
      createHash('sha256').update(text).digest('hex');
    const building = async (projectId?: string) => {
      let pid = projectId;
      if (!pid) {
        const project = projectRow();
        await db.insertProject(project);
        pid = project.id;
      }
      const row = deploymentRow(pid, { status: 'building' });
      await db.insertDeployment(row);
      return row;
    };
    const logText = async (deploymentId: string) =>
      (await db.readLogs(deploymentId, 0, 1000)).map(l => l.text);

    /** The manifest was refused with `message`, the deployment failed with it, nothing was kept. */
    const expectRefused = async (
      call: Promise<unknown>,
      deploymentId: string,
      message: RegExp,
    ) => {
      await expect(call).rejects.toThrow(InputError);
      await expect(call).rejects.toThrow(message);
      const row = (await db.getDeployment(deploymentId))!;
      expect(row).toMatchObject({ status: 'failed', pending_manifest: null });
      expect(row.error).toMatch(message);
      expect(row.build_token_hash).toBeNull();
      expect(await db.blobsOfDeployments([deploymentId])).toEqual([]);
      expect((await logText(deploymentId)).join('\n')).toContain(
        'Build failed: ',
      );
    };

    it('fails a deployment whose output is over maxOutputBytes, before referencing anything', async () => {
      const session = replica({ maxOutputBytes: 1000 });
      const row = await building();
      const files = {
        'a.html': { hash: sha('a'), size: 600 },
        'b.html': { hash: sha('b'), size: 600 },
      };
      await expectRefused(
        session.manifest(row, files),
        row.id,
        /^The build output is 1\.2 KiB \(1200 bytes\), over the limit of 1000 bytes per deployment \(novahost\.builds\.maxOutputBytes\)$/,
      );
      // At the limit, it is accepted.
      const ok = await building();
      const res = await session.manifest(ok, {
        'a.html': { hash: sha('a'), size: 500 },
        'b.html': { hash: sha('b'), size: 500 },
      });
      expect(res.missing).toHaveLength(2);
    });

    it('fails the deployment the same way for too many files and a too large file', async () => {
      const session = replica();
      const many = await building();
      const files = Object.fromEntries(
        Array.from({ length: 11 }, (_, i) => [
          `f${i}.html`,
          { hash: sha(`f${i}`), size: 1 },
        ]),
      );
      await expectRefused(
        session.manifest(many, files),
        many.id,
        /11 files, over the limit of 10 per deployment \(novahost\.builds\.maxFiles\)/,
      );
      const large = await building();
      await expectRefused(
        session.manifest(large, { 'big.js': { hash: sha('big'), size: 1025 } }),
        large.id,
        /'big\.js' is 1 KiB \(1025 bytes\), over the limit of 1 KiB \(1024 bytes\) per file/,
      );
      expect((await db.getDeployment(large.id))!.error).toMatch(
        /\(novahost\.builds\.maxFileBytes\)$/,
      );
    });

    it('holds a project to its stored bytes quota, counting content it already keeps once', async () => {
      // The project keeps `content` (14 bytes) from an earlier deployment.
      const project = projectRow();
      await db.insertProject(project);
      const earlier = deploymentRow(project.id, { status: 'ready' });
      await db.insertDeployment(earlier);
      await db.addDeploymentBlobs(earlier.id, [hash]);
      // Another project's content does not count against this one.
      const other = await building();
      await db.addDeploymentBlobs(other.id, [sha('other')]);
      await db.insertBlob(sha('other'), 900);

      const session = replica({ maxProjectStoredBytes: 100 });
      expect(await db.limits.projectStoredBytes(project.id)).toBe(
        content.length,
      );
      // 14 kept + 87 new = 101 bytes: one over.
      const over = await building(project.id);
      await expectRefused(
        session.manifest(over, {
          'index.html': { hash, size: content.length },
          'copy.html': { hash, size: content.length },
          'app.js': { hash: sha('app'), size: 87 },
        }),
        over.id,
        new RegExp(
          `^Project ${project.slug} would keep 101 bytes in the store \\(14 bytes used by its deployments, 87 bytes new in this one\\), over its quota of 100 bytes \\(novahost\\.projects\\.maxStoredBytes\\)$`,
        ),
      );
      // 14 + 86 = 100: accepted, the kept file twice and not uploaded again.
      const fits = await building(project.id);
      const res = await session.manifest(fits, {
        'index.html': { hash, size: content.length },
        'copy.html': { hash, size: content.length },
        'app.js': { hash: sha('app'), size: 86 },
      });
      expect(res.missing.map(m => m.hash)).toEqual([sha('app')]);
      expect((await db.getDeployment(fits.id))!.status).toBe('building');
    });

    it("stores the build's lines masked and within the log limits, and acknowledges the rest", async () => {
      const session = replica({ log: { maxLines: 3, maxBytes: 10_000 } });
      const row = await building();
      const token = 'nh_build_token_0123456789';
      const line = (text: string, seq: number) => ({
        clientSeq: seq,
        ts: new Date(),
        stream: 'stdout',
        text,
      });
      await session.appendLogs(
        row,
        [
          line(`token ${token}`, 1),
          line('GH_TOKEN=ghp_1234567890abcdefghijABCDEFGHIJ123456', 2),
          line('third', 3),
          line('fourth', 4),
        ],
        token,
      );
      await expect(
        session.appendLogs(row, [line('fifth', 5)], token),
      ).resolves.toBeUndefined();
      const texts = await logText(row.id);
      expect(texts).toEqual([
        'token ***',
        'GH_TOKEN=ghp_***',
        'third',
        expect.stringMatching(
          /^Log truncated after 3 lines .*the build continues/,
        ),
      ]);
      expect((await db.getDeployment(row.id))!.status).toBe('building');
    });

    it('gives the clone step its repository access in the spec only, and masks the credential in stored lines and the error', async () => {
      const password = 'clone-credential-0123456789';
      const access = {
        credential: { username: 'x-access-token', password },
        hint: 'git.example.com refused the token of integrations.github for site',
      };
      const asked: string[] = [];
      const session = replica({
        repoAccess: async url => {
          asked.push(url);
          return access;
        },
        secrets: [password],
      });
      const row = await building();
      expect((await session.spec(row)).repoAccess).toEqual(access);
      expect(asked).toEqual(['https://git.example.com/site.git']);
      await session.appendLogs(
        row,
        [
          {
            clientSeq: 1,
            ts: new Date(),
            stream: 'stderr',
            text: `fatal: ${password}`,
          },
        ],
        'nh_build_token_0123456789',
      );
      await session.event(row, {
        type: 'failed',
        error: `clone failed with ${password}`,
        exitCode: 128,
      });
      const failed = (await db.getDeployment(row.id))!;
      expect(failed).toMatchObject({
        status: 'failed',
        error: 'clone failed with ***',
      });
      expect(await logText(row.id)).toEqual([
        'fatal: ***',
        'Build failed: clone failed with ***',
      ]);
      expect(JSON.stringify(failed)).not.toContain(password);
      // Without integrations, a spec has no repository access.
      expect(await replica().spec(row)).not.toHaveProperty('repoAccess');
    });
  });
});
