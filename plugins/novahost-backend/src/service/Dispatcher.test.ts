import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import {
  deploymentRow,
  openTestDatabase,
  projectRow,
} from '../database/__testUtils__/fixtures';
import { NovahostDatabase } from '../database/NovahostDatabase';
import type {
  BuildExit,
  BuildRequest,
  BuildRunner,
  BuildState,
} from '@internal/plugin-novahost-node';
import { createTestMachine } from './__testUtils__/machine';
import { Dispatcher } from './Dispatcher';
import { hashToken } from './tokens';

/** A runner whose builds the test drives: it records starts and answers inspect from a table. */
class ScriptedRunner implements BuildRunner {
  readonly started: BuildRequest[] = [];
  readonly canceled: string[] = [];
  readonly exits = new Map<string, (exit: BuildExit) => void>();
  readonly states = new Map<string, BuildState>();
  failStart = false;
  cleaned: Set<string>[] = [];

  constructor(readonly buildsDieWithBackend: boolean) {}

  async start(request: BuildRequest, onExit: (exit: BuildExit) => void) {
    if (this.failStart) throw new Error('no capacity');
    this.started.push(request);
    this.exits.set(request.deploymentId, onExit);
    return { handle: `handle-${request.deploymentId}` };
  }
  async cancel(id: string) {
    this.canceled.push(id);
  }
  async inspect(id: string): Promise<BuildState> {
    return this.states.get(id) ?? { state: 'running' };
  }
  async cleanup(active: Set<string>) {
    this.cleaned.push(active);
    return 0;
  }
  async close() {}
}

describe('Dispatcher', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let db: NovahostDatabase;
  let runner: ScriptedRunner;
  let dispatcher: Dispatcher;
  let projectId: string;

  const setUp = async (
    opts: {
      concurrency?: number;
      dies?: boolean;
      timeoutSeconds?: number;
    } = {},
  ) => {
    db = await openTestDatabase(await databases.init('SQLITE_3'));
    const { machine } = createTestMachine(db);
    runner = new ScriptedRunner(opts.dies ?? true);
    dispatcher = new Dispatcher({
      db,
      machine,
      runner,
      logger: mockServices.logger.mock(),
      concurrency: opts.concurrency ?? 1,
      timeoutSeconds: opts.timeoutSeconds ?? 60,
    });
    machine.onSlotFreed(() => void dispatcher.kick());
    const project = projectRow();
    await db.insertProject(project);
    projectId = project.id;
  };

  const queue = async (count: number) => {
    const rows = [];
    for (let i = 0; i < count; i++) {
      const row = deploymentRow(projectId, {
        created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      });
      await db.insertDeployment(row);
      rows.push(row);
    }
    return rows;
  };
  const status = async (id: string) => (await db.getDeployment(id))!;
  const eventually = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await check()); i++) {
      await new Promise(r => setTimeout(r, 10));
    }
    expect(await check()).toBe(true);
  };

  it('starts the oldest queued builds up to the concurrency, with a token only its hash is stored of', async () => {
    await setUp({ concurrency: 2 });
    const [a, b, c] = await queue(3);
    await dispatcher.kick();
    expect(runner.started.map(r => r.deploymentId)).toEqual([a.id, b.id]);
    const row = await status(a.id);
    expect(row.status).toBe('building');
    expect(row.runner_handle).toBe(`handle-${a.id}`);
    expect(row.build_token_hash).toBe(hashToken(runner.started[0].token));
    expect(runner.started[0].token).not.toBe(runner.started[1].token);
    expect((await status(c.id)).status).toBe('queued');
  });

  it('starts the next queued build when a slot is freed', async () => {
    await setUp({ concurrency: 1 });
    const [a, b] = await queue(2);
    await dispatcher.kick();
    expect(runner.started.map(r => r.deploymentId)).toEqual([a.id]);
    runner.exits.get(a.id)!({ exitCode: 1, signal: null, stderrTail: '' });
    await eventually(async () => runner.started.length === 2);
    expect(runner.started[1].deploymentId).toBe(b.id);
  });

  it('fails a build the runner cannot start', async () => {
    await setUp();
    const [a] = await queue(1);
    runner.failStart = true;
    await dispatcher.kick();
    const row = await status(a.id);
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(/Could not start the build: Error: no capacity/);
  });

  it('fails a build whose program exits before finalizing, with its stderr redacted', async () => {
    await setUp();
    const [a] = await queue(1);
    await dispatcher.kick();
    runner.exits.get(a.id)!({
      exitCode: 137,
      signal: null,
      stderrTail: 'cloning https://user:secret@git.example.com/x.git\nKilled',
    });
    await eventually(async () => (await status(a.id)).status === 'failed');
    const row = await status(a.id);
    expect(row.exit_code).toBe(137);
    expect(row.error).toContain('exited with code 137 before finishing');
    expect(row.error).toContain('https://***@git.example.com');
    expect(row.error).not.toContain('secret');
  });

  it('reconciles: timeout, a failed Job, a vanished build, an exit without finalize', async () => {
    await setUp({ concurrency: 4, timeoutSeconds: 60, dies: false });
    const [late, failedJob, gone, quiet] = await queue(4);
    await dispatcher.kick();
    const old = new Date(Date.now() - 30_000);
    await db.updateDeployment(late.id, {
      started_at: new Date(Date.now() - 61_000),
    });
    await db.updateDeployment(gone.id, { started_at: old });
    runner.states.set(failedJob.id, {
      state: 'failed',
      reason: 'OOMKilled',
      exitCode: 137,
    });
    runner.states.set(gone.id, { state: 'missing' });
    runner.states.set(quiet.id, { state: 'succeeded' });
    await dispatcher.reconcile();
    expect(runner.canceled).toEqual([late.id]);
    expect((await status(late.id)).error).toBe(
      'Build timed out after 60 seconds',
    );
    expect((await status(failedJob.id)).error).toBe('OOMKilled');
    expect((await status(gone.id)).error).toMatch(/Job is gone/);
    expect((await status(quiet.id)).error).toMatch(/without finalizing/);
    expect(runner.cleaned.at(-1)).toEqual(new Set());
  });

  it('gives a build the runner has not seen yet a grace period', async () => {
    await setUp();
    const [a] = await queue(1);
    await dispatcher.kick();
    runner.states.set(a.id, { state: 'missing' });
    await dispatcher.reconcile();
    expect((await status(a.id)).status).toBe('building');
    expect(runner.cleaned.at(-1)).toEqual(new Set([a.id]));
  });

  it('fails builds that died with the previous process, and only those', async () => {
    await setUp({ concurrency: 2 });
    const [dead, alive] = await queue(2);
    await dispatcher.kick();
    runner.states.set(dead.id, { state: 'missing' });
    await dispatcher.failOrphans();
    expect((await status(dead.id)).error).toMatch(/backend restarted/);
    expect((await status(alive.id)).status).toBe('building');
  });

  it('on shutdown fails its running local builds and ignores their late exits', async () => {
    await setUp();
    const [a, b] = await queue(2);
    await dispatcher.kick();
    await dispatcher.shutdown();
    const row = await status(a.id);
    expect(row.error).toBe(
      'The backend stopped during the build; deploy again',
    );
    runner.exits.get(a.id)!({
      exitCode: null,
      signal: 'SIGTERM',
      stderrTail: '',
    });
    await dispatcher.kick();
    // Stopping: nothing new starts and the late exit changed nothing.
    expect(runner.started).toHaveLength(1);
    expect((await status(b.id)).status).toBe('queued');
    expect((await status(a.id)).error).toBe(row.error);
  });

  it('leaves Kubernetes Jobs running on shutdown', async () => {
    await setUp({ dies: false });
    const [a] = await queue(1);
    await dispatcher.kick();
    await dispatcher.shutdown();
    expect((await status(a.id)).status).toBe('building');
  });
});
