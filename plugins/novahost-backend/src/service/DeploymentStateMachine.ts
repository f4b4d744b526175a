import {
  DeploymentStatus,
  isTerminalStatus,
} from '@internal/plugin-novahost-common';
import type { EventBus } from '../bus';
import type { NovahostDatabase } from '../database/NovahostDatabase';
import type { DeploymentRow } from '../database/tables';
import { publishDeploymentEvent, publishRoutesChanged } from './channels';
import type { DeploymentLogs } from './DeploymentLogs';
import { redact } from './redact';

/**
 * Every move a deployment may make, and nothing else:
 *
 *   queued → building → uploading → ready
 *      ↘         ↘           ↘
 *       failed/canceled (from any non-terminal state)
 *
 * `building → ready` is a build that finalizes without reporting the
 * uploading phase (nothing new to upload).
 */
export const TRANSITIONS: Readonly<
  Record<DeploymentStatus, readonly DeploymentStatus[]>
> = {
  queued: ['building', 'failed', 'canceled'],
  building: ['uploading', 'ready', 'failed', 'canceled'],
  uploading: ['ready', 'failed', 'canceled'],
  ready: [],
  failed: [],
  canceled: [],
};

/** The states a deployment may be in to move to `to`. */
export function sourcesOf(to: DeploymentStatus): DeploymentStatus[] {
  return (Object.keys(TRANSITIONS) as DeploymentStatus[]).filter(from =>
    TRANSITIONS[from].includes(to),
  );
}

export function canTransition(
  from: DeploymentStatus,
  to: DeploymentStatus,
): boolean {
  return TRANSITIONS[from].includes(to);
}

/** A build holds a concurrency slot in these states. */
export const RUNNING: DeploymentStatus[] = ['building', 'uploading'];
/** Not terminal yet. */
export const ACTIVE: DeploymentStatus[] = ['queued', ...RUNNING];

export type TransitionDetails = {
  /** Why it failed or who canceled it (failed, canceled); stored redacted. */
  error?: string;
  exitCode?: number | null;
  /** The system log line; failed and canceled have one by default. */
  log?: string;
  /**
   * Work that must be done once the move is made and before anyone is told
   * (stop the build, promote). May return the log line to write instead.
   */
  settle?: () => Promise<string | void>;
  /**
   * Move only from these of the table's sources, e.g. cancel a deployment
   * only while it is still queued (a superseded one).
   */
  from?: DeploymentStatus[];
};

type Patch = Partial<DeploymentRow>;

function patchFor(to: DeploymentStatus, d: TransitionDetails): Patch {
  const now = new Date();
  if (to === 'uploading') return { status: to, uploading_at: now };
  if (!isTerminalStatus(to)) return { status: to };
  // A finished deployment keeps no credential and no half-done upload.
  const patch: Patch = {
    status: to,
    finished_at: now,
    build_token_hash: null,
    pending_manifest: null,
  };
  // The error is shown like the log, so it is masked like the log.
  if (to === 'failed') {
    patch.error = redact(d.error ?? 'Failed');
    patch.exit_code = d.exitCode ?? null;
  }
  if (to === 'canceled') patch.error = redact(d.error ?? 'Canceled');
  return patch;
}

function defaultLog(to: DeploymentStatus, d: TransitionDetails) {
  if (to === 'failed') return `Build failed: ${(d.error ?? '').split('\n')[0]}`;
  if (to === 'canceled') return d.error ?? 'Canceled';
  return undefined;
}

/**
 * The one way a deployment changes state. Each move is a conditional UPDATE
 * (`WHERE status IN (sources)`): two replicas or a late callback can never
 * move a deployment out of a terminal state, and exactly one caller wins a
 * race. The winner then writes the system log line, announces the new status
 * on the bus and, when a build slot was freed, kicks the dispatcher.
 */
export class DeploymentStateMachine {
  private readonly slotListeners: Array<() => void> = [];
  private readonly changeListeners: Array<
    (row: DeploymentRow) => void | Promise<void>
  > = [];

  constructor(
    private readonly o: {
      db: NovahostDatabase;
      logs: DeploymentLogs;
      bus: EventBus;
    },
  ) {}

  /** Calls `listener` whenever a deployment reached a terminal state (a build slot is free). */
  onSlotFreed(listener: () => void): void {
    this.slotListeners.push(listener);
  }

  /**
   * Calls `listener` with the deployment after every move this replica made
   * (exactly one replica makes each), e.g. to report it to GitHub. A
   * listener's failure is its own: it never fails the move.
   */
  onChange(listener: (row: DeploymentRow) => void | Promise<void>): void {
    this.changeListeners.push(listener);
  }

  /** Moves `id` to `to` if the table allows it from its current state; returns whether this call did. */
  async transition(
    id: string,
    to: DeploymentStatus,
    details: TransitionDetails = {},
  ): Promise<boolean> {
    if (to === 'queued' || to === 'building') {
      // queued is only ever created; building is claimed by claimQueued.
      throw new Error(`Deployments are not moved to ${to} by transition()`);
    }
    const from = sourcesOf(to).filter(
      s => !details.from || details.from.includes(s),
    );
    // The error also without the deployment's own secrets (its project's variables).
    const masked: TransitionDetails =
      details.error === undefined
        ? details
        : {
            ...details,
            error: await this.o.logs.redactFor(id, details.error),
          };
    const moved = await this.o.db.transition(id, from, patchFor(to, masked));
    if (!moved) return false;
    const settled = details.settle ? await details.settle() : undefined;
    const line = settled || details.log || defaultLog(to, masked);
    if (line) await this.o.logs.system(id, line);
    if (to === 'ready') await publishRoutesChanged(this.o.bus);
    await this.announce(id);
    if (isTerminalStatus(to)) this.slotListeners.forEach(l => l());
    return true;
  }

  /**
   * Claims queued deployments into `building`, oldest first, up to the free
   * slots under the cross-replica dispatch lock; `claim` adds per-row fields
   * (start time, token hash). Each claimed one is announced and logged.
   */
  async claimQueued(
    concurrency: number,
    claim: (row: DeploymentRow) => Patch,
  ): Promise<DeploymentRow[]> {
    const claimed = await this.o.db.claimQueued(concurrency, claim);
    for (const row of claimed) {
      await this.announce(row.id);
      await this.o.logs.system(row.id, 'Build started');
    }
    return claimed;
  }

  /** Publishes the deployment's current status (also after non-state changes like the commit). */
  async announce(id: string): Promise<void> {
    const row = await this.o.db.getDeployment(id);
    if (!row) return;
    await publishDeploymentEvent(this.o.bus, id, {
      type: 'status',
      status: row.status,
      error: row.error,
      commitSha: row.commit_sha,
    });
    for (const listener of this.changeListeners) {
      Promise.resolve()
        .then(() => listener(row))
        .catch(() => {});
    }
  }
}
