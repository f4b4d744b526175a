/**
 * A simulated Kubernetes API server for tests: the batch/v1 Job and v1 Pod
 * endpoints the runner uses, with Kubernetes' semantics — resourceVersion,
 * watch events, Job status conditions, foreground/background deletion,
 * activeDeadlineSeconds, ttlSecondsAfterFinished, Status error objects —
 * and it really runs each Job's container command as a local process.
 * Every created Job is validated against the Kubernetes schemas.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes, randomUUID } from 'crypto';
import fs from 'fs';
import http from 'http';
import { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import { Job } from 'kubernetes-models/batch/v1';

type Obj = Record<string, any>;
type WatchClient = { res: http.ServerResponse; selector: Selector };
type Selector = (labels: Record<string, string> | undefined) => boolean;

function parseSelector(raw: string | null): Selector {
  if (!raw) return () => true;
  const terms = raw.split(',').map(t => t.split('='));
  return labels => terms.every(([k, v]) => labels?.[k] === v);
}

function status(code: number, reason: string, message: string): Obj {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    reason,
    message,
    code,
  };
}

export async function startFakeKubernetes(options: { token: string }) {
  let resourceVersion = 1000;
  const jobs = new Map<string, Obj>(); // key ns/name
  const pods = new Map<string, Obj>();
  const processes = new Map<string, ChildProcess>(); // job key
  const killReasons = new Map<string, { reason: string; exitCode: number }>();
  const timers = new Map<string, NodeJS.Timeout[]>();
  const watchers = new Set<WatchClient>();
  const created: Obj[] = [];
  const validationErrors: string[] = [];

  const bump = (o: Obj) => {
    o.metadata.resourceVersion = String(++resourceVersion);
  };
  const emit = (type: 'ADDED' | 'MODIFIED' | 'DELETED', job: Obj) => {
    for (const w of watchers) {
      if (w.selector(job.metadata.labels)) {
        w.res.write(`${JSON.stringify({ type, object: job })}\n`);
      }
    }
  };
  const now = () => new Date().toISOString();

  const remove = (key: string) => {
    const job = jobs.get(key);
    if (!job) return;
    for (const [podKey, pod] of pods) {
      if (pod.metadata.labels['job-name'] === job.metadata.name)
        pods.delete(podKey);
    }
    for (const t of timers.get(key) ?? []) clearTimeout(t);
    jobs.delete(key);
    bump(job);
    emit('DELETED', job);
  };

  const kill = (
    key: string,
    reason: string,
    exitCode: number,
    signal: NodeJS.Signals,
  ) => {
    const child = processes.get(key);
    if (!child?.pid) return false;
    killReasons.set(key, { reason, exitCode });
    try {
      process.kill(-child.pid, signal);
    } catch {
      return false;
    }
    return true;
  };

  const finish = (
    key: string,
    exitCode: number,
    reason: string,
    deadline = false,
  ) => {
    const job = jobs.get(key);
    if (!job) return;
    const pod = [...pods.values()].find(
      p => p.metadata.labels['job-name'] === job.metadata.name,
    );
    if (pod) {
      pod.status.phase = exitCode === 0 ? 'Succeeded' : 'Failed';
      pod.status.containerStatuses = [
        {
          name: 'build',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode, reason, finishedAt: now() } },
        },
      ];
      bump(pod);
    }
    job.status.active = 0;
    if (exitCode === 0) {
      job.status.succeeded = 1;
      job.status.completionTime = now();
      job.status.conditions = [
        {
          type: 'SuccessCriteriaMet',
          status: 'True',
          lastTransitionTime: now(),
        },
        { type: 'Complete', status: 'True', lastTransitionTime: now() },
      ];
    } else {
      job.status.failed = 1;
      const why = deadline
        ? {
            reason: 'DeadlineExceeded',
            message: 'Job was active longer than specified deadline',
          }
        : {
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit',
          };
      job.status.conditions = [
        {
          type: 'FailureTarget',
          status: 'True',
          lastTransitionTime: now(),
          ...why,
        },
        { type: 'Failed', status: 'True', lastTransitionTime: now(), ...why },
      ];
    }
    bump(job);
    emit('MODIFIED', job);
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (typeof ttl === 'number') {
      const t = setTimeout(() => remove(key), ttl * 1000);
      t.unref();
      timers.set(key, [...(timers.get(key) ?? []), t]);
    }
  };

  /** Starts the pod: the container's command as a local process. */
  const run = (key: string) => {
    const job = jobs.get(key)!;
    const spec = job.spec.template.spec;
    const container = spec.containers[0];
    const podName = `${job.metadata.name}-${randomBytes(3)
      .toString('hex')
      .slice(0, 5)}`;
    const pod: Obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace: job.metadata.namespace,
        uid: randomUUID(),
        labels: {
          ...(job.spec.template.metadata?.labels ?? {}),
          'job-name': job.metadata.name,
          'batch.kubernetes.io/job-name': job.metadata.name,
          'controller-uid': job.metadata.uid,
        },
        creationTimestamp: now(),
      },
      spec,
      status: {
        phase: 'Running',
        startTime: now(),
        containerStatuses: [
          {
            name: 'build',
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: now() } },
          },
        ],
      },
    };
    bump(pod);
    pods.set(`${job.metadata.namespace}/${podName}`, pod);

    // emptyDir volumes become fresh local directories.
    const mounts: Array<[string, string]> = (container.volumeMounts ?? []).map(
      (m: Obj) => [
        m.mountPath,
        fs.mkdtempSync(path.join(os.tmpdir(), `fake-k8s-${m.name}-`)),
      ],
    );
    const mapPath = (value: string) => {
      for (const [mountPath, local] of mounts) {
        if (value === mountPath || value.startsWith(`${mountPath}/`)) {
          return local + value.slice(mountPath.length);
        }
      }
      return value;
    };
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LANG: 'C.UTF-8' };
    for (const e of container.env ?? []) env[e.name] = mapPath(e.value ?? '');
    const [cmd, ...args] = [
      ...(container.command ?? []),
      ...(container.args ?? []),
    ];
    const child = spawn(cmd, args, {
      env,
      cwd: mounts[0]?.[1] ?? os.tmpdir(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    processes.set(key, child);
    // Drained so the container never blocks on a full pipe.
    child.stdout!.resume();
    child.stderr!.resume();
    child.on('close', (code, signal) => {
      processes.delete(key);
      const killed = killReasons.get(key);
      if (killed) {
        finish(
          key,
          killed.exitCode,
          killed.reason,
          killed.reason === 'DeadlineExceeded',
        );
      } else {
        finish(
          key,
          code ?? (signal === 'SIGKILL' ? 137 : 143),
          code === 0 ? 'Completed' : 'Error',
        );
      }
      // A container's volumes go with it; a step the build left running in
      // another process group may still be writing, so retry and never throw.
      for (const [, local] of mounts) {
        fs.promises
          .rm(local, {
            recursive: true,
            force: true,
            maxRetries: 5,
            retryDelay: 200,
          })
          .catch(() => {});
      }
    });
    job.status = { ...job.status, active: 1, startTime: now() };
    bump(job);
    emit('MODIFIED', job);
    const deadline = job.spec.activeDeadlineSeconds;
    if (typeof deadline === 'number') {
      const t = setTimeout(
        () => kill(key, 'DeadlineExceeded', 143, 'SIGTERM'),
        deadline * 1000,
      );
      t.unref();
      timers.set(key, [...(timers.get(key) ?? []), t]);
    }
  };

  const send = (res: http.ServerResponse, code: number, body: Obj) => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  /** A JobList or PodList of `items`, at the current resourceVersion. */
  const sendList = (
    res: http.ServerResponse,
    of: 'jobs' | 'pods',
    items: Obj[],
  ) =>
    send(res, 200, {
      apiVersion: of === 'pods' ? 'v1' : 'batch/v1',
      kind: of === 'pods' ? 'PodList' : 'JobList',
      metadata: { resourceVersion: String(resourceVersion) },
      items,
    });

  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const url = new URL(req.url!, 'http://x');
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length
        ? JSON.parse(Buffer.concat(chunks).toString())
        : undefined;
      let m = url.pathname.match(
        /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/,
      );
      if (m) {
        const ns = m[1];
        if (req.method === 'POST') {
          try {
            new Job(body).validate();
          } catch (e) {
            validationErrors.push(String(e));
            send(res, 422, status(422, 'Invalid', `Job is invalid: ${e}`));
            return;
          }
          const key = `${ns}/${body.metadata.name}`;
          if (jobs.has(key)) {
            send(
              res,
              409,
              status(
                409,
                'AlreadyExists',
                `jobs.batch "${body.metadata.name}" already exists`,
              ),
            );
            return;
          }
          const job = {
            ...body,
            metadata: {
              ...body.metadata,
              namespace: ns,
              uid: randomUUID(),
              creationTimestamp: now(),
              generation: 1,
            },
            status: {},
          };
          bump(job);
          jobs.set(key, job);
          created.push(JSON.parse(JSON.stringify(body)));
          emit('ADDED', job);
          setImmediate(() => run(key));
          send(res, 201, job);
          return;
        }
        if (req.method === 'GET') {
          const selector = parseSelector(url.searchParams.get('labelSelector'));
          if (url.searchParams.get('watch') === 'true') {
            res.writeHead(200, {
              'Content-Type': 'application/json',
              'Transfer-Encoding': 'chunked',
            });
            const since = Number(url.searchParams.get('resourceVersion') ?? 0);
            for (const job of jobs.values()) {
              if (
                job.metadata.namespace === ns &&
                selector(job.metadata.labels) &&
                Number(job.metadata.resourceVersion) > since
              ) {
                res.write(
                  `${JSON.stringify({ type: 'ADDED', object: job })}\n`,
                );
              }
            }
            const client = { res, selector };
            watchers.add(client);
            res.on('close', () => watchers.delete(client));
            return;
          }
          const items = [...jobs.values()].filter(
            j => j.metadata.namespace === ns && selector(j.metadata.labels),
          );
          sendList(res, 'jobs', items);
          return;
        }
      }
      m = url.pathname.match(
        /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/,
      );
      if (m) {
        const key = `${m[1]}/${m[2]}`;
        const job = jobs.get(key);
        if (!job) {
          send(
            res,
            404,
            status(404, 'NotFound', `jobs.batch "${m[2]}" not found`),
          );
          return;
        }
        if (req.method === 'GET') {
          send(res, 200, job);
          return;
        }
        if (req.method === 'DELETE') {
          const policy =
            url.searchParams.get('propagationPolicy') ??
            body?.propagationPolicy ??
            'Background';
          job.metadata.deletionTimestamp = now();
          if (policy === 'Foreground') {
            job.metadata.finalizers = ['foregroundDeletion'];
            bump(job);
            emit('MODIFIED', job);
            send(res, 200, job);
            // Dependents (the pod and its process) go first, then the Job.
            if (!kill(key, 'Error', 143, 'SIGTERM')) remove(key);
            else
              processes
                .get(key)!
                .once('close', () => setImmediate(() => remove(key)));
          } else {
            kill(key, 'Error', 143, 'SIGTERM');
            remove(key);
            send(res, 200, {
              kind: 'Status',
              apiVersion: 'v1',
              metadata: {},
              status: 'Success',
              code: 200,
            });
          }
          return;
        }
      }
      m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/);
      if (m && req.method === 'GET') {
        const selector = parseSelector(url.searchParams.get('labelSelector'));
        const items = [...pods.values()].filter(
          p => p.metadata.namespace === m![1] && selector(p.metadata.labels),
        );
        sendList(res, 'pods', items);
        return;
      }
      // Lists across namespaces, as Backstage's Kubernetes plugin reads
      // an entity's objects when it names no namespace.
      if (
        req.method === 'GET' &&
        (url.pathname === '/api/v1/pods' ||
          url.pathname === '/apis/batch/v1/jobs')
      ) {
        const selector = parseSelector(url.searchParams.get('labelSelector'));
        const isPods = url.pathname === '/api/v1/pods';
        const items = [...(isPods ? pods : jobs).values()].filter(o =>
          selector(o.metadata.labels),
        );
        sendList(res, isPods ? 'pods' : 'jobs', items);
        return;
      }
      send(
        res,
        404,
        status(
          404,
          'NotFound',
          'the server could not find the requested resource',
        ),
      );
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    jobs,
    pods,
    created,
    validationErrors,
    /** Creates a Job through the API, as kubectl or another controller would. */
    createJob: (namespace: string, job: object) =>
      fetch(`${url}/apis/batch/v1/namespaces/${namespace}/jobs`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${options.token}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(job),
      }),
    /** Deletes a Job through the API, leaving its pods to the garbage collector. */
    deleteJob: (namespace: string, name: string) =>
      fetch(
        `${url}/apis/batch/v1/namespaces/${namespace}/jobs/${name}?propagationPolicy=Background`,
        {
          method: 'DELETE',
          headers: { Authorization: `Bearer ${options.token}` },
        },
      ),
    /** Kills a Job's container as the kernel's OOM killer would. */
    oomKill: (namespace: string, name: string) =>
      kill(`${namespace}/${name}`, 'OOMKilled', 137, 'SIGKILL'),
    async close() {
      for (const key of [...processes.keys()])
        kill(key, 'Error', 143, 'SIGKILL');
      for (const w of watchers) w.res.end();
      for (const ts of timers.values()) ts.forEach(clearTimeout);
      server.closeAllConnections();
      await new Promise<void>(r => server.close(() => r()));
    },
  };
}
