import { mockServices } from '@backstage/backend-test-utils';
import type { SiteUrlOptions } from '@internal/plugin-novahost-common';
import { LocalArtifactStore } from '@internal/plugin-novahost-node';
import os from 'os';
import path from 'path';
import {
  describeEachDatabase,
  projectRow,
} from '../database/__testUtils__/fixtures';
import { ArtifactGc } from './ArtifactGc';
import { deploymentChannel, DeploymentEvent } from './channels';
import { DeploymentService } from './DeploymentService';
import { TooManyRequestsError } from './limits';
import { ProjectService } from './ProjectService';
import { createTestMachine } from './__testUtils__/machine';

jest.setTimeout(120_000);

describeEachDatabase('DeploymentService queue limits', ctx => {
  const urls: SiteUrlOptions = { baseDomain: 'localhost', scheme: 'http' };

  /** One replica's deployment service; nothing is ever dispatched. */
  const replica = (maxQueuedPerUser = 10) => {
    const { bus, logs, machine } = createTestMachine(ctx.db);
    const store = new LocalArtifactStore(
      path.join(os.tmpdir(), 'novahost-unused-store'),
    );
    const projects = new ProjectService({
      db: ctx.db,
      bus,
      gc: new ArtifactGc({ db: ctx.db, store }),
      logger: mockServices.logger.mock(),
      urls,
      allowLocalRepos: true,
      stopBuild: async () => {},
    });
    const service = new DeploymentService({
      db: ctx.db,
      bus,
      projects,
      machine,
      logs,
      urls,
      kick: () => {},
      stopBuild: async () => {},
      maxQueuedPerUser,
    });
    return { service, bus };
  };

  const newProject = async () => {
    const project = projectRow();
    await ctx.db.insertProject(project);
    return project;
  };
  const status = async (id: string) => (await ctx.db.getDeployment(id))!;
  const logText = async (id: string) =>
    (await ctx.db.readLogs(id, 0, 100)).map(l => l.text);
  let userCounter = 0;
  const newUser = () => `user:default/queue-${++userCounter}`;

  it('supersedes older queued deployments of the same project and ref, and nothing else', async () => {
    const { service, bus } = replica();
    const user = newUser();
    const site = await newProject();
    const elsewhere = await newProject();
    const older = await service.create(site.id, { createdBy: user });
    const otherRef = await service.create(site.id, {
      ref: 'release',
      createdBy: user,
    });
    const otherProject = await service.create(elsewhere.id, {
      createdBy: user,
    });
    const events: DeploymentEvent[] = [];
    await bus.subscribe(deploymentChannel(older.id), e =>
      events.push(e as DeploymentEvent),
    );

    const newer = await service.create(site.id, { createdBy: user });

    expect(newer.status).toBe('queued');
    expect(await status(older.id)).toMatchObject({
      status: 'canceled',
      error: `Superseded by ${newer.shortId}`,
    });
    // Logged and announced like a cancel.
    expect(await logText(older.id)).toContain(`Superseded by ${newer.shortId}`);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'status', status: 'canceled' }),
    );
    expect(await logText(newer.id)).toContain(
      `Supersedes queued deployment ${older.shortId}`,
    );
    for (const d of [otherRef, otherProject]) {
      expect((await status(d.id)).status).toBe('queued');
    }
  });

  it('does not cancel an older deployment of the ref that started building', async () => {
    const { service } = replica();
    const site = await newProject();
    const running = await service.create(site.id, { createdBy: newUser() });
    await ctx.db.updateDeployment(running.id, { status: 'building' });
    await service.create(site.id, { createdBy: newUser() });
    expect(await status(running.id)).toMatchObject({
      status: 'building',
      error: null,
    });
  });

  it('leaves exactly the newest of concurrent deploys of one ref queued, on two replicas', async () => {
    const [a, b] = [replica(), replica()];
    const site = await newProject();
    const created = await Promise.all(
      [a, b, a, b].map(r =>
        r.service.create(site.id, { createdBy: newUser() }),
      ),
    );
    const rows = await Promise.all(created.map(d => status(d.id)));
    const queued = rows.filter(r => r.status === 'queued');
    expect(queued).toHaveLength(1);
    const superseded = rows.filter(r => r.status === 'canceled');
    expect(superseded).toHaveLength(3);
    // Each by one of the others (the newest its replica saw then).
    for (const r of superseded) {
      const by = r.error?.match(/^Superseded by (\w+)$/)?.[1];
      expect(rows.map(x => x.short_id).filter(x => x !== r.short_id)).toContain(
        by,
      );
    }
  });

  it('refuses a user more than maxQueuedPerUser queued deployments across projects (429)', async () => {
    const { service } = replica(2);
    const user = newUser();
    const [p1, p2, p3] = [
      await newProject(),
      await newProject(),
      await newProject(),
    ];
    const first = await service.create(p1.id, { createdBy: user });
    await service.create(p2.id, { createdBy: user });

    const refused = service.create(p3.id, { createdBy: user });
    await expect(refused).rejects.toThrow(TooManyRequestsError);
    await expect(refused).rejects.toMatchObject({
      statusCode: 429,
      message: `${user} already has 2 queued deployments, the most one user may have (novahost.builds.maxQueuedPerUser is 2); wait until they start or cancel some`,
    });
    expect(
      (await ctx.db.listDeployments(p3.id, { limit: 5, offset: 0 })).total,
    ).toBe(0);

    // Another user is not held up; a superseding deploy does not add one.
    await service.create(p3.id, { createdBy: newUser() });
    const again = await service.create(p1.id, { createdBy: user });
    expect((await status(first.id)).status).toBe('canceled');
    // Once one starts, the user may queue another.
    await ctx.db.updateDeployment(again.id, { status: 'building' });
    await expect(
      service.create(p3.id, { createdBy: user }),
    ).resolves.toMatchObject({ status: 'queued' });
  });

  it('holds the per-user limit when one user deploys on two replicas at once', async () => {
    const [a, b] = [replica(2), replica(2)];
    const user = newUser();
    const projects = [];
    for (let i = 0; i < 6; i++) projects.push(await newProject());
    const results = await Promise.allSettled(
      projects.map((p, i) =>
        (i % 2 ? a : b).service.create(p.id, { createdBy: user }),
      ),
    );
    expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(2);
    for (const r of results.filter(x => x.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(
        TooManyRequestsError,
      );
    }
  });
});
