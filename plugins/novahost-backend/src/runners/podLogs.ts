import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { StepLogTag } from '@internal/build-runner';
import type { RunnerLogLine } from '@internal/plugin-novahost-node';
import http from 'http';
import https from 'https';

/** A log request the API server refused, with its HTTP status. */
export class PodLogError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = 'PodLogError';
  }
}

/** Longest line kept; the build program cuts its own lines shorter. */
const MAX_LINE = 16 * 1024;

/**
 * Streams one container's log through the Kubernetes API
 * (`GET …/pods/{pod}/log?container=…&follow=true&timestamps=true`), line
 * by line, until the container ends (or the request is aborted). Rejects
 * with a {@link PodLogError} when the API server refuses, e.g. 400 while
 * the container has not started.
 */
export async function streamContainerLog(
  kc: KubeConfig,
  target: { namespace: string; pod: string; container: string },
  onLine: (raw: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('No current Kubernetes cluster');
  const url = new URL(
    `${server.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(
      target.namespace,
    )}/pods/${encodeURIComponent(target.pod)}/log`,
  );
  url.searchParams.set('container', target.container);
  url.searchParams.set('follow', 'true');
  url.searchParams.set('timestamps', 'true');
  const options: https.RequestOptions = { method: 'GET', headers: {} };
  await kc.applyToHTTPSOptions(options);
  const client = url.protocol === 'https:' ? https : http;
  await new Promise<void>((resolve, reject) => {
    const req = client.request(url, { ...options, signal }, res => {
      if (res.statusCode !== 200) {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', c => {
          body = (body + c).slice(0, 2000);
        });
        res.on('end', () => {
          let message = body;
          try {
            message = JSON.parse(body).message ?? body;
          } catch {
            // not a Status object
          }
          reject(new PodLogError(message, res.statusCode ?? 0));
        });
        res.on('error', reject);
        return;
      }
      const decoder = new TextDecoder('utf-8');
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += decoder.decode(chunk, { stream: true });
        for (let i = buffer.indexOf('\n'); i !== -1; i = buffer.indexOf('\n')) {
          onLine(buffer.slice(0, i));
          buffer = buffer.slice(i + 1);
        }
        if (buffer.length > MAX_LINE) {
          onLine(buffer);
          buffer = '';
        }
      });
      res.on('end', () => {
        buffer += decoder.decode();
        if (buffer) onLine(buffer);
        resolve();
      });
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('the log stream was cut')));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The build step's stream tags (packages/build-runner protocol.ts). */
const STREAMS: Record<StepLogTag, RunnerLogLine['stream']> = {
  out: 'stdout',
  err: 'stderr',
  sys: 'system',
};

const TIMESTAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (.*)$/s;
const TAGGED = new RegExp(`^(${Object.keys(STREAMS).join('|')}) (.*)$`, 's');

/**
 * One line of a followed build container log: the kubelet's timestamp,
 * then the build step's stream tag and text. A line without a tag (the
 * program's own crash, or anything written around it) is stdout.
 */
export function parseFollowedLine(
  raw: string,
): Omit<RunnerLogLine, 'clientSeq'> {
  let ts = new Date();
  let rest = raw.replace(/\r$/, '');
  const stamped = TIMESTAMPED.exec(rest);
  if (stamped) {
    const parsed = new Date(stamped[1]);
    if (!Number.isNaN(parsed.getTime())) ts = parsed;
    rest = stamped[2];
  }
  const tagged = TAGGED.exec(rest);
  if (!tagged) return { ts, stream: 'stdout', text: rest };
  return { ts, stream: STREAMS[tagged[1] as StepLogTag], text: tagged[2] };
}

/** What a pod says about one of its containers. */
export function containerState(
  pod: V1Pod,
  container: string,
): 'waiting' | 'running' | 'terminated' {
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  const state = statuses.find(s => s.name === container)?.state;
  if (state?.terminated) return 'terminated';
  if (state?.running) return 'running';
  return 'waiting';
}
