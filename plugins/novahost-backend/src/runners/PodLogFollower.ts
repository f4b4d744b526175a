import type { LoggerService } from '@backstage/backend-plugin-api';
import type { V1Pod } from '@kubernetes/client-node';
import type { LOG_SEQ_BASE } from '@internal/build-runner';
import type {
  BuildLogSink,
  RunnerLogLine,
} from '@internal/plugin-novahost-node';
import { containerState, parseFollowedLine, PodLogError } from './podLogs';

/**
 * Where the lines of the followed container start numbering; the type
 * makes it equal to the build program's own constant.
 */
export const FOLLOWED_SEQ_BASE: (typeof LOG_SEQ_BASE)['build'] = 700_000_000;

/** How the follower reaches the cluster (KubernetesBuildRunner, or a test). */
export type PodLogSource = {
  /** The build's pod; `gone` when its Job is gone, undefined while it has none. */
  pod(deploymentId: string): Promise<V1Pod | 'gone' | undefined>;
  /** Streams the container's log from its beginning until it ends. */
  stream(
    pod: string,
    container: string,
    onLine: (raw: string) => void,
    signal: AbortSignal,
  ): Promise<void>;
};

export type PodLogFollowerOptions = {
  source: PodLogSource;
  /** The container to follow. */
  container: string;
  logger: LoggerService;
  /** Between looks at a pod whose container has not started. @default 1000 */
  pollMs?: number;
  /** Lines per delivery. @default 500 */
  batchSize?: number;
  /** Delay before a partial batch is delivered. @default 150 */
  flushMs?: number;
};

/** How many finished builds a follower remembers not to read again. */
const MAX_FINISHED = 1000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>(resolve => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/**
 * Batches lines to the sink in order. A batch that fails is sent again,
 * the same lines with the same numbers, until it is taken or the follower
 * stops; the store drops the lines it already has.
 */
class Delivery {
  private pending: RunnerLogLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly send: (lines: RunnerLogLine[]) => Promise<void>,
    private readonly o: PodLogFollowerOptions,
    private readonly signal: AbortSignal,
  ) {}

  push(line: RunnerLogLine) {
    this.pending.push(line);
    if (this.pending.length >= (this.o.batchSize ?? 500)) {
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.o.flushMs ?? 150);
    }
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    this.sending = this.sending.then(() => this.deliver(batch));
    return this.sending;
  }

  private async deliver(batch: RunnerLogLine[]) {
    for (let attempt = 0; batch.length && !this.signal.aborted; attempt++) {
      try {
        await this.send(batch);
        return;
      } catch (e) {
        if (attempt % 10 === 0) {
          this.o.logger.warn(
            `Could not store ${batch.length} build log lines; retrying`,
            e as Error,
          );
        }
        await sleep(
          Math.min(5000, 200 * 2 ** Math.min(attempt, 5)),
          this.signal,
        );
      }
    }
  }
}

/**
 * Follows one container of each build pod through the Kubernetes API and
 * delivers its lines to the sink, numbered by their position in the
 * container's log (clientSeq = base + line number).
 *
 * Resuming counts lines rather than trusting time: a stream that drops is
 * read again from the start, and the lines this follower already delivered
 * are skipped by number. A new backend process starts at line 1 and the
 * store drops every line whose number it already has, so a restart neither
 * loses nor duplicates a line (the kubelet keeps the whole log of a
 * container as long as it does not rotate it: see the chart's notes on
 * containerLogMaxSize). `sinceTime` is not used: its precision is the
 * server's, and two lines of the same instant cannot be told apart.
 *
 * Every replica that reconciles a running build follows it (a stream
 * each); the store's numbering keeps the log free of duplicates. The build
 * container's lines reach the log within a batch interval, before the
 * kubelet has started the publish container; lines a restarted backend
 * picks up late are appended after what arrived meanwhile.
 */
export class PodLogFollower {
  private readonly active = new Map<string, AbortController>();
  /** What follow() returned, per build being followed. */
  private readonly running = new Map<string, Promise<void>>();
  /** Builds whose container log was read to its end (the latest ones). */
  private readonly finished = new Set<string>();
  private sink: BuildLogSink | undefined;

  constructor(private readonly o: PodLogFollowerOptions) {}

  setSink(sink: BuildLogSink): void {
    this.sink = sink;
  }

  isFollowing(deploymentId: string): boolean {
    return this.active.has(deploymentId);
  }

  /**
   * Starts following the build's container, unless this follower already
   * does or read it to its end; resolves when it is done.
   */
  follow(deploymentId: string): Promise<void> {
    if (
      !this.sink ||
      this.active.has(deploymentId) ||
      this.finished.has(deploymentId)
    ) {
      return Promise.resolve();
    }
    const abort = new AbortController();
    this.active.set(deploymentId, abort);
    const done = this.run(deploymentId, this.sink, abort.signal)
      .then(complete => {
        if (!complete) return;
        this.finished.add(deploymentId);
        if (this.finished.size > MAX_FINISHED) {
          this.finished.delete(this.finished.values().next().value!);
        }
      })
      .catch(e =>
        this.o.logger.warn(
          `Following the build log of ${deploymentId} failed`,
          e as Error,
        ),
      )
      .finally(() => {
        if (this.active.get(deploymentId) === abort) {
          this.active.delete(deploymentId);
          this.running.delete(deploymentId);
        }
      });
    this.running.set(deploymentId, done);
    return done;
  }

  /**
   * Waits until the build's container log, if this follower reads it, has
   * been read to its end and delivered, or `timeoutMs` passed. The publish
   * step reports only after the build container ended, so this is short.
   */
  async drain(deploymentId: string, timeoutMs: number): Promise<void> {
    const done = this.running.get(deploymentId);
    if (!done) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise<void>(resolve => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  stop(deploymentId: string): void {
    this.active.get(deploymentId)?.abort();
    this.active.delete(deploymentId);
    this.running.delete(deploymentId);
  }

  close(): void {
    for (const abort of this.active.values()) abort.abort();
    this.active.clear();
    this.running.clear();
  }

  /** Follows until the container's log is read to its end (true) or it is stopped. */
  private async run(
    deploymentId: string,
    sink: BuildLogSink,
    signal: AbortSignal,
  ): Promise<boolean> {
    const { container } = this.o;
    const pollMs = this.o.pollMs ?? 1000;
    const delivery = new Delivery(
      lines => sink(deploymentId, lines),
      this.o,
      signal,
    );
    // How many lines of the container's log were handed to the delivery.
    const cursor = { delivered: 0 };
    while (!signal.aborted) {
      const pod = await this.o.source.pod(deploymentId).catch(() => undefined);
      if (pod === 'gone') return true;
      const state = pod ? containerState(pod, container) : 'waiting';
      if (!pod || state === 'waiting') {
        // A pod that ended before the container started never will.
        const phase = pod?.status?.phase;
        if (phase === 'Failed' || phase === 'Succeeded') return true;
        await sleep(pollMs, signal);
        continue;
      }
      let n = 0;
      try {
        await this.o.source.stream(
          pod.metadata!.name!,
          container,
          raw => {
            n++;
            if (n <= cursor.delivered) return;
            cursor.delivered = n;
            delivery.push({
              ...parseFollowedLine(raw),
              clientSeq: FOLLOWED_SEQ_BASE + n,
            });
          },
          signal,
        );
      } catch (e) {
        if (signal.aborted) break;
        // 400: the container is not ready to be read; 404: the pod is gone.
        if (!(e instanceof PodLogError)) {
          this.o.logger.debug(`Build log stream of ${deploymentId}: ${e}`);
        }
      }
      await delivery.flush();
      if (state === 'terminated') return !signal.aborted;
      // The stream ended: the container ended, or the connection dropped.
      const now = await this.o.source.pod(deploymentId).catch(() => undefined);
      if (now === 'gone') return true;
      if (now && containerState(now, container) === 'terminated') {
        // Whatever it printed after the stream was cut, then done.
        continue;
      }
      await sleep(pollMs, signal);
    }
    await delivery.flush();
    return false;
  }
}
