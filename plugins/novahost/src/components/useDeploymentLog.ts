import { useEffect, useRef, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import type {
  DeploymentStatus,
  LogLine,
} from '@internal/plugin-novahost-common';
import { novahostApiRef } from '../api';

const ESC = '\u001b';

/**
 * One log line for LogViewer: time, then the text; stderr red, Novahost's
 * own lines bold. LogViewer knows no `0m` reset, so each style is ended
 * by its own off-code.
 */
export function formatLogLine(line: LogLine): string {
  const time = line.ts.length >= 19 ? line.ts.slice(11, 19) : line.ts;
  const text = line.text.replace(/\r?\n$/, '');
  if (line.stream === 'stderr') return `${time} ${ESC}[31m${text}${ESC}[39m`;
  if (line.stream === 'system') return `${time} ${ESC}[1m${text}${ESC}[22m`;
  return `${time} ${text}`;
}

export interface DeploymentLogState {
  lines: string[];
  /** Latest status seen on the stream. */
  status?: DeploymentStatus;
  /** The commit being built, once the build has checked it out. */
  commitSha?: string;
  finished?: { status: DeploymentStatus; error: string | null };
  /** Set while the stream is down and a reconnect (with the cursor) is pending. */
  reconnecting?: { attempt: number; message: string };
  error?: Error;
}

/**
 * Follows a deployment's build log over SSE: replays every stored line,
 * tails live ones, reconnects after the last line seen, ends at `finish`.
 * Lines are batched into at most ~10 renders a second.
 */
export function useDeploymentLog(deploymentId: string): DeploymentLogState {
  const api = useApi(novahostApiRef);
  const [state, setState] = useState<DeploymentLogState>({ lines: [] });
  const buffer = useRef<string[]>([]);

  useEffect(() => {
    const controller = new AbortController();
    buffer.current = [];
    setState({ lines: [] });
    const flush = () => {
      if (!buffer.current.length) return;
      const more = buffer.current;
      buffer.current = [];
      setState(s => ({ ...s, lines: s.lines.concat(more) }));
    };
    const timer = setInterval(flush, 100);
    api
      .streamLogs(deploymentId, {
        signal: controller.signal,
        onLog: line => buffer.current.push(formatLogLine(line)),
        onStatus: (status, commitSha) =>
          setState(s => ({
            ...s,
            status,
            commitSha: commitSha ?? s.commitSha,
            reconnecting: undefined,
          })),
        onFinish: (status, error) => {
          flush();
          setState(s => ({
            ...s,
            status,
            finished: { status, error },
            reconnecting: undefined,
          }));
        },
        onReconnecting: (attempt, error) =>
          setState(s => ({
            ...s,
            reconnecting: { attempt, message: error.message },
          })),
      })
      .catch(error => {
        if (!controller.signal.aborted) setState(s => ({ ...s, error }));
      })
      .finally(flush);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [api, deploymentId]);

  return state;
}
