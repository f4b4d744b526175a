import { TestDatabases } from '@backstage/backend-test-utils';
import {
  DEPLOYMENT_STATUSES,
  DeploymentStatus,
  isTerminalStatus,
} from '@internal/plugin-novahost-common';
import { MemoryEventBus } from '../bus';
import {
  deploymentRow,
  openTestDatabase,
  projectRow,
} from '../database/__testUtils__/fixtures';
import { NovahostDatabase } from '../database/NovahostDatabase';
import { deploymentChannel, DeploymentEvent, ROUTES_CHANNEL } from './channels';
import { createTestMachine } from './__testUtils__/machine';
import {
  DeploymentStateMachine,
  TRANSITIONS,
  canTransition,
  sourcesOf,
} from './DeploymentStateMachine';

const STATUSES = DEPLOYMENT_STATUSES;
/** Targets transition() handles; queued is created, building claimed. */
const TARGETS: DeploymentStatus[] = [
  'uploading',
  'ready',
  'failed',
  'canceled',
];

describe('TRANSITIONS', () => {
  it('is the documented lifecycle', () => {
    const edges = STATUSES.flatMap(from =>
      TRANSITIONS[from].map(to => `${from}→${to}`),
    );
    expect(edges.join(' ')).toBe(
      'queued→building queued→failed queued→canceled ' +
        'building→uploading building→ready building→failed building→canceled ' +
        'uploading→ready uploading→failed uploading→canceled',
    );
  });

  it('has no way out of a terminal state and a way out of every other', () => {
    for (const s of STATUSES) {
      expect(TRANSITIONS[s].length === 0).toBe(isTerminalStatus(s));
    }
  });

  it('derives the sources of each target from the table', () => {
    expect(sourcesOf('ready')).toEqual(['building', 'uploading']);
    expect(sourcesOf('failed')).toEqual(['queued', 'building', 'uploading']);
    expect(sourcesOf('uploading')).toEqual(['building']);
    expect(sourcesOf('queued')).toEqual([]);
    expect(canTransition('queued', 'ready')).toBe(false);
    expect(canTransition('uploading', 'ready')).toBe(true);
  });
});

describe('DeploymentStateMachine', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let db: NovahostDatabase;
  let bus: MemoryEventBus;
  let machine: DeploymentStateMachine;
  let projectId: string;
  let freed: number;
  let events: DeploymentEvent[];
  let routeEvents: number;

  beforeAll(async () => {
    db = await openTestDatabase(await databases.init('SQLITE_3'));
    const project = projectRow();
    await db.insertProject(project);
    projectId = project.id;
  });

  beforeEach(async () => {
    ({ bus, machine } = createTestMachine(db));
    freed = 0;
    machine.onSlotFreed(() => freed++);
    routeEvents = 0;
    await bus.subscribe(ROUTES_CHANNEL, () => routeEvents++);
  });

  const deploymentIn = async (status: DeploymentStatus) => {
    const row = deploymentRow(projectId, {
      status,
      build_token_hash: 'a'.repeat(64),
      pending_manifest: '{}',
    });
    await db.insertDeployment(row);
    events = [];
    await bus.subscribe(deploymentChannel(row.id), m =>
      events.push(m as DeploymentEvent),
    );
    return row;
  };

  const cases = STATUSES.flatMap(from =>
    TARGETS.map(to => [from, to] as [DeploymentStatus, DeploymentStatus]),
  );
  const refused = cases.filter(([from, to]) => !canTransition(from, to));
  const allowed = cases.filter(([from, to]) => canTransition(from, to));
  const details = { error: 'boom\nsecond line', exitCode: 3 };

  it.each(refused)('refuses %s → %s and changes nothing', async (from, to) => {
    const row = await deploymentIn(from);
    expect(await machine.transition(row.id, to, details)).toBe(false);
    expect((await db.getDeployment(row.id))!.status).toBe(from);
    expect(events).toEqual([]);
    expect(freed).toBe(0);
  });

  const expectedLog: Record<string, string[]> = {
    failed: ['Build failed: boom'],
    canceled: ['boom\nsecond line'],
    ready: ['Ready now'],
    uploading: [],
  };

  it.each(allowed)(
    'makes %s → %s, then logs, announces, frees',
    async (from, to) => {
      const row = await deploymentIn(from);
      const log = to === 'ready' ? 'Ready now' : undefined;
      expect(await machine.transition(row.id, to, { ...details, log })).toBe(
        true,
      );
      const now = (await db.getDeployment(row.id))!;
      const terminal = isTerminalStatus(to);
      expect(now.status).toBe(to);
      expect(events.filter(e => e.type === 'status')).toEqual([
        { type: 'status', status: to, error: now.error, commitSha: null },
      ]);
      expect(
        events.flatMap(e => (e.type === 'log' ? e.lines.map(l => l.text) : [])),
      ).toEqual(expectedLog[to]);
      expect(freed).toBe(terminal ? 1 : 0);
      expect(routeEvents).toBe(to === 'ready' ? 1 : 0);
      // A finished deployment keeps no credential and no half-done upload.
      expect(now.build_token_hash === null).toBe(terminal);
      expect(now.pending_manifest === null).toBe(terminal);
      expect(now.finished_at !== null).toBe(terminal);
      expect(now.uploading_at !== null).toBe(to === 'uploading');
      expect(now.error).toBe(
        { failed: details.error, canceled: details.error }[to as string] ??
          null,
      );
      expect(now.exit_code).toBe(to === 'failed' ? 3 : null);
    },
  );

  it('refuses to move anything to queued or building', async () => {
    const row = await deploymentIn('queued');
    await expect(machine.transition(row.id, 'building')).rejects.toThrow(
      /not moved to building/,
    );
    await expect(machine.transition(row.id, 'queued')).rejects.toThrow(
      /not moved to queued/,
    );
    expect((await db.getDeployment(row.id))!.status).toBe('queued');
  });

  it('lets one of two racing transitions win', async () => {
    const row = await deploymentIn('building');
    const results = await Promise.all([
      machine.transition(row.id, 'ready'),
      machine.transition(row.id, 'failed', { error: 'late' }),
      machine.transition(row.id, 'canceled'),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(events.filter(e => e.type === 'status')).toHaveLength(1);
    expect(freed).toBe(1);
  });

  it('stores and announces the error masked like the log', async () => {
    const row = await deploymentIn('building');
    const error =
      'npm ERR! 401 for https://ci:hunter22@npm.example.com\nGH_TOKEN=ghp_1234567890abcdefghijABCDEFGHIJ123456';
    await machine.transition(row.id, 'failed', { error });
    const stored = (await db.getDeployment(row.id))!.error;
    expect(stored).toBe(
      'npm ERR! 401 for https://***@npm.example.com\nGH_TOKEN=ghp_***',
    );
    const status = events.find(e => e.type === 'status');
    expect(status).toMatchObject({ error: stored });
    expect(JSON.stringify(events)).not.toMatch(/hunter22|ghp_1234/);
  });

  it('moves only from the states `from` allows', async () => {
    const running = await deploymentIn('building');
    const onlyQueued = { from: ['queued' as const], error: 'Superseded' };
    expect(await machine.transition(running.id, 'canceled', onlyQueued)).toBe(
      false,
    );
    expect((await db.getDeployment(running.id))!.status).toBe('building');
    expect(events).toEqual([]);
    const queued = await deploymentIn('queued');
    expect(await machine.transition(queued.id, 'canceled', onlyQueued)).toBe(
      true,
    );
    expect(await db.getDeployment(queued.id)).toMatchObject({
      status: 'canceled',
      error: 'Superseded',
    });
  });

  it('settles before announcing, and the settled line replaces the log', async () => {
    const row = await deploymentIn('uploading');
    const order: string[] = [];
    await bus.subscribe(deploymentChannel(row.id), m =>
      order.push((m as DeploymentEvent).type),
    );
    await machine.transition(row.id, 'ready', {
      log: 'not this one',
      settle: async () => {
        order.push('settle');
        return 'Ready and promoted';
      },
    });
    expect(order).toEqual(['settle', 'log', 'status']);
    const logs = events.flatMap(e => (e.type === 'log' ? e.lines : []));
    expect(logs.map(l => l.text)).toEqual(['Ready and promoted']);
  });

  it('claims queued deployments up to the free slots and announces each', async () => {
    const fresh = await openTestDatabase(await databases.init('SQLITE_3'));
    const project = projectRow();
    await fresh.insertProject(project);
    const { machine: m, bus: freshBus } = createTestMachine(fresh);
    const rows = [];
    for (let i = 0; i < 3; i++) {
      const row = deploymentRow(project.id, {
        created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      });
      await fresh.insertDeployment(row);
      rows.push(row);
    }
    const seen: DeploymentEvent[] = [];
    for (const r of rows) {
      await freshBus.subscribe(deploymentChannel(r.id), e =>
        seen.push(e as DeploymentEvent),
      );
    }
    const claimed = await m.claimQueued(2, () => ({ runner_handle: 'h' }));
    expect(claimed.map(r => r.id)).toEqual([rows[0].id, rows[1].id]);
    expect(claimed.every(r => r.status === 'building')).toBe(true);
    expect((await fresh.getDeployment(rows[2].id))!.status).toBe('queued');
    expect(seen.filter(e => e.type === 'status')).toHaveLength(2);
    expect(
      seen.flatMap(e => (e.type === 'log' ? e.lines.map(l => l.text) : [])),
    ).toEqual(['Build started', 'Build started']);
    // Both slots are taken now.
    expect(await m.claimQueued(2, () => ({}))).toEqual([]);
  });
});
