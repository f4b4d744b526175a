import {
  logFinishEventSchema,
  logLineSchema,
  logStatusEventSchema,
  NovahostResponseValidationError,
  validateResponse as validate,
} from '../responses';
import { readEventStream } from '../sse';
import { isRetryable } from './errors';
import type { LogStreamOptions } from './NovahostApi';

/** Longest pause between reconnects. */
const MAX_RETRY_DELAY_MS = 10_000;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>(resolve => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });

/**
 * Follows `GET /deployments/:id/logs` until its `finish` event: reconnects
 * after a dropped connection with the seq of the last line seen as the
 * cursor (`?after=`), skips lines replayed from before it, and backs off
 * exponentially from `retryDelayMs` while reconnects fail.
 *
 * `open` answers the stream's response for a cursor, or throws a
 * `ResponseError` when the server refuses it.
 */
export async function followLogStream(
  open: (after: number, signal?: AbortSignal) => Promise<Response>,
  options: LogStreamOptions,
  retryDelayMs: number,
): Promise<void> {
  const { signal } = options;
  let after = options.after ?? 0;
  let attempt = 0;
  while (!signal?.aborted) {
    try {
      const res = await open(after, signal);
      if (!res.body) throw new Error('The log stream has no body');
      for await (const event of readEventStream(res.body, { signal })) {
        attempt = 0;
        const data = JSON.parse(event.data);
        if (event.event === 'log') {
          const line = validate(logLineSchema, data, 'log line');
          if (line.seq <= after) continue;
          after = line.seq;
          options.onLog(line);
        } else if (event.event === 'status') {
          const update = validate(logStatusEventSchema, data, 'status event');
          options.onStatus?.(update.status, update.commitSha ?? null);
        } else if (event.event === 'finish') {
          const finish = validate(logFinishEventSchema, data, 'finish');
          options.onFinish(finish.status, finish.error ?? null);
          return;
        }
      }
      if (signal?.aborted) return;
      throw new Error('The log stream ended before the build finished');
    } catch (error) {
      if (signal?.aborted) return;
      // The server said no (404, 401, 403, bad input): retrying will not help.
      if (!isRetryable(error)) throw error;
      if (error instanceof NovahostResponseValidationError) throw error;
      attempt += 1;
      options.onReconnecting?.(attempt, error as Error);
      await sleep(
        Math.min(retryDelayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS),
        signal,
      );
    }
  }
}
