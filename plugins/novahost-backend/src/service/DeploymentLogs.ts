import type { LogLine } from '@internal/plugin-novahost-common';
import type { EventBus } from '../bus';
import type {
  LogLimits,
  NewLogLine,
  NovahostDatabase,
} from '../database/NovahostDatabase';
import { publishDeploymentEvent } from './channels';
import { toIso } from './mappers';
import { redact } from './redact';

/** `novahost.builds.maxLogLines` and `maxLogBytes` when not configured. */
export const DEFAULT_LOG_LIMITS: LogLimits = {
  maxLines: 50_000,
  maxBytes: 20 * 2 ** 20,
};

/**
 * The write side of build logs: redacts, stores with a sequence number, then
 * fans the stored lines out on the deployment's channel. Appends to one
 * deployment are serialized in this process, so a batch is published in the
 * order its sequence numbers were allocated. (The read side, replay then
 * live, is logStream.ts.)
 */
export class DeploymentLogs {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: NovahostDatabase,
    private readonly bus: EventBus,
    private readonly limits: LogLimits = DEFAULT_LOG_LIMITS,
    /** Secrets masked in every line (the clone credentials, GitCredentials). */
    private readonly platformSecrets: () => readonly string[] = () => [],
    /** What one deployment's lines must not show (its project's secret variables). */
    private readonly deploymentSecrets: (
      deploymentId: string,
    ) => Promise<readonly string[]> = async () => [],
  ) {}

  /** Masks `text` as a stored line is masked (a build's error message). */
  redact(text: string, secrets: readonly string[] = []): string {
    return redact(text, [...secrets, ...this.platformSecrets()]);
  }

  /** Masks `text` as a line of the deployment is masked (its error). */
  async redactFor(deploymentId: string, text: string): Promise<string> {
    const own = await this.deploymentSecrets(deploymentId);
    return this.redact(text, own);
  }

  /**
   * Persists a build's output lines (secrets replaced by `***`) within the
   * deployment's log limits, then publishes what was stored. Lines past a
   * limit are dropped without error: the build goes on.
   */
  append(
    deploymentId: string,
    lines: NewLogLine[],
    secrets: string[] = [],
  ): Promise<void> {
    return this.store(deploymentId, lines, secrets, this.limits);
  }

  /** One line from the platform itself (queued, started, failed, ready…), never dropped. */
  system(deploymentId: string, text: string): Promise<void> {
    return this.store(
      deploymentId,
      [{ ts: new Date(), stream: 'system', text }],
      [],
      undefined,
    );
  }

  private async store(
    deploymentId: string,
    lines: NewLogLine[],
    secrets: string[],
    limits: LogLimits | undefined,
  ): Promise<void> {
    const own = await this.deploymentSecrets(deploymentId);
    const all = [...own, ...secrets, ...this.platformSecrets()];
    const clean = lines.map(l => ({ ...l, text: redact(l.text, all) }));
    const stored = await this.serialized(deploymentId, () =>
      this.db.appendLogs(deploymentId, clean, limits),
    );
    if (stored.length === 0) return;
    await publishDeploymentEvent(this.bus, deploymentId, {
      type: 'log',
      lines: stored.map(l => ({
        seq: l.seq,
        ts: toIso(l.ts)!,
        stream: l.stream as LogLine['stream'],
        text: l.text,
      })),
    });
  }

  private serialized<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(fn);
    this.locks.set(id, next);
    next
      .finally(() => {
        if (this.locks.get(id) === next) this.locks.delete(id);
      })
      .catch(() => {});
    return next;
  }
}
