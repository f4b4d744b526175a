import type { LoggerService } from '@backstage/backend-plugin-api';
import { isTerminalStatus } from '@internal/plugin-novahost-common';
import type { NovahostDatabase } from '../database/NovahostDatabase';
import type { BuildExit, BuildRunner } from '@internal/plugin-novahost-node';
import {
  ACTIVE,
  DeploymentStateMachine,
  RUNNING,
} from './DeploymentStateMachine';
import { redact } from './redact';
import { newBuildToken } from './tokens';
import { toMillis } from './mappers';

/** A build its runner cannot find this long after it started is gone. */
const MISSING_GRACE_MS = 15_000;

export type DispatcherOptions = {
  db: NovahostDatabase;
  machine: DeploymentStateMachine;
  runner: BuildRunner;
  logger: LoggerService;
  /** Builds running at once, across all replicas. */
  concurrency: number;
  timeoutSeconds: number;
};

/**
 * Starts queued builds on the runner while slots are free, and keeps running
 * builds honest: the runner's exit callback, a periodic reconcile against
 * what the runner sees (process table, Job status), the orphans a restart
 * left behind, and a clean stop on shutdown. The slot limit holds across
 * replicas because claiming happens under a database lock.
 */
export class Dispatcher {
  private kicking: Promise<void> | undefined;
  private kickAgain = false;
  private stopping = false;

  constructor(private readonly o: DispatcherOptions) {}

  /** Starts queued builds while there are free slots. Never runs twice at once in a process. */
  kick(): Promise<void> {
    if (this.kicking) {
      this.kickAgain = true;
      return this.kicking;
    }
    this.kicking = (async () => {
      do {
        this.kickAgain = false;
        try {
          await this.dispatch();
        } catch (e) {
          this.o.logger.error('Dispatch failed', e as Error);
        }
      } while (this.kickAgain);
    })().finally(() => {
      this.kicking = undefined;
    });
    return this.kicking;
  }

  private async dispatch(): Promise<void> {
    if (this.stopping) return;
    const tokens = new Map<string, string>();
    const claimed = await this.o.machine.claimQueued(
      this.o.concurrency,
      row => {
        const { token, hash } = newBuildToken();
        tokens.set(row.id, token);
        return { started_at: new Date(), build_token_hash: hash };
      },
    );
    for (const row of claimed) {
      const project = await this.o.db.getProject(row.project_id);
      if (!project) continue;
      try {
        const { handle } = await this.o.runner.start(
          {
            deploymentId: row.id,
            projectId: project.id,
            projectSlug: project.slug,
            token: tokens.get(row.id)!,
            timeoutSeconds: this.o.timeoutSeconds,
          },
          exit => {
            this.onRunnerExit(row.id, exit).catch(e =>
              this.o.logger.error('Runner exit handling failed', e),
            );
          },
        );
        await this.o.db.updateDeployment(row.id, { runner_handle: handle });
      } catch (e) {
        await this.fail(row.id, `Could not start the build: ${e}`);
      }
    }
  }

  private fail(id: string, error: string, exitCode: number | null = null) {
    return this.o.machine.transition(id, 'failed', { error, exitCode });
  }

  private async onRunnerExit(id: string, exit: BuildExit): Promise<void> {
    // Builds this process stops on shutdown were already failed with the
    // reason; a late exit must not overwrite anything after that.
    if (this.stopping) return;
    const row = await this.o.db.getDeployment(id);
    if (!row || isTerminalStatus(row.status)) {
      this.kick();
      return;
    }
    const how =
      exit.exitCode !== null
        ? `exited with code ${exit.exitCode}`
        : `was stopped (${exit.signal ?? 'unknown signal'})`;
    const tail = redact(exit.stderrTail.trim(), []).split('\n').slice(-10);
    await this.fail(
      id,
      [`The build program ${how} before finishing`, ...tail]
        .filter(Boolean)
        .join('\n'),
      exit.exitCode,
    );
  }

  /**
   * Periodic safety net, run on every replica: reconciles each running
   * deployment with what its runner sees, so a lost callback, a restart, an
   * OOM-killed pod or a deleted Job ends in a terminal state with a reason —
   * never `building` forever. Then removes runner leftovers of finished
   * deployments and dispatches the queue.
   */
  async reconcile(): Promise<void> {
    const now = Date.now();
    for (const row of await this.o.db.listByStatus(RUNNING)) {
      const started = toMillis(row.started_at);
      if (now - started > this.o.timeoutSeconds * 1000) {
        await this.stopBuild(row.id, row.runner_handle);
        await this.fail(
          row.id,
          `Build timed out after ${this.o.timeoutSeconds} seconds`,
        );
        continue;
      }
      const seen = await this.o.runner
        .inspect(row.id, row.runner_handle)
        .catch(e => {
          this.o.logger.warn(`Could not inspect build ${row.id}`, e);
          return { state: 'running' as const };
        });
      if (seen.state === 'failed') {
        await this.fail(row.id, seen.reason, seen.exitCode);
      } else if (seen.state === 'missing' && now - started > MISSING_GRACE_MS) {
        await this.fail(
          row.id,
          this.o.runner.buildsDieWithBackend
            ? 'The build process is gone (the backend restarted during the build)'
            : 'The build Job is gone (deleted before the build finished)',
        );
      } else if (seen.state === 'succeeded') {
        // The program exits 0 only after finalize; give a late answer a moment.
        const fresh = await this.o.db.getDeployment(row.id);
        if (fresh && RUNNING.includes(fresh.status)) {
          await this.fail(
            row.id,
            'The build ended without finalizing the deployment',
          );
        }
      }
    }
    await this.removeOrphanedBuilds();
    // Not awaited: a long dispatch must not hold up the next reconcile.
    this.kick().catch(() => {});
  }

  private async removeOrphanedBuilds() {
    if (!this.o.runner.cleanup) return;
    const active = new Set(
      (await this.o.db.listByStatus(ACTIVE, 100_000)).map(r => r.id),
    );
    const removed = await this.o.runner.cleanup(active).catch(e => {
      this.o.logger.warn('Runner cleanup failed', e);
      return 0;
    });
    if (removed) this.o.logger.info(`Removed ${removed} orphaned build(s)`);
  }

  /** Stops a build the runner may still be running (cancel, delete); never throws. */
  async stopBuild(id: string, handle: string | null): Promise<void> {
    await this.o.runner
      .cancel(id, handle)
      .catch(e => this.o.logger.warn(`Could not stop build ${id}`, e));
  }

  /**
   * Graceful shutdown: fails the builds this process is running (stopping
   * the backend stops a local build with it), so none is left `building`.
   * Kubernetes Jobs keep running and finish against another replica.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    await this.failDeadBuilds(
      state => state === 'running',
      'The backend stopped during the build; deploy again',
    );
  }

  /**
   * At startup: fails builds a previous process started that died with it
   * (local runner). Builds in Kubernetes are left to reconcile.
   */
  async failOrphans(): Promise<void> {
    await this.failDeadBuilds(
      state => state !== 'running',
      'The build process is gone (the backend restarted during the build)',
    );
  }

  private async failDeadBuilds(
    dies: (state: string) => boolean,
    reason: string,
  ) {
    if (!this.o.runner.buildsDieWithBackend) return;
    for (const row of await this.o.db.listByStatus(RUNNING)) {
      const seen = await this.o.runner.inspect(row.id, row.runner_handle);
      if (dies(seen.state)) await this.fail(row.id, reason);
    }
  }
}
