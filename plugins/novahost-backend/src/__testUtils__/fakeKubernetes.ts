/**
 * A simulated Kubernetes API server for tests: the batch/v1 Job, v1 Pod
 * (with pods/log) and v1 Secret endpoints the runner uses, with Kubernetes'
 * semantics — resourceVersion, watch events, Job status conditions,
 * foreground/background deletion, owner references (a Job's dependents go
 * with it), activeDeadlineSeconds, ttlSecondsAfterFinished, Status error
 * objects — and it really runs each Job's pod as local processes
 * (fakeKubernetesPod.ts). Every created Job and Secret is validated against
 * the Kubernetes schemas.
 */
import { randomUUID } from 'crypto';
import http from 'http';
import { AddressInfo } from 'net';
import { Job } from 'kubernetes-models/batch/v1';
import {
  copy,
  FakeSecrets,
  Obj,
  parseSelector,
  Selector,
  send,
  status,
} from './fakeKubernetesApi';
import { FakePod } from './fakeKubernetesPod';

type WatchClient = { res: http.ServerResponse; selector: Selector };

export async function startFakeKubernetes(options: { token: string }) {
  let resourceVersion = 1000;
  const jobs = new Map<string, Obj>(); // key ns/name
  const runs = new Map<string, FakePod>(); // job key
  const timers = new Map<string, NodeJS.Timeout[]>();
  const watchers = new Set<WatchClient>();
  const created: Obj[] = [];
  const validationErrors: string[] = [];
  /** Every request: method and path, with the query. */
  const requests: string[] = [];

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
  const pods = () => [...runs.values()].map(r => r.pod);
  const podByName = (ns: string, name: string) =>
    [...runs.values()].find(
      r => r.pod.metadata.namespace === ns && r.name === name,
    );

  const secrets = new FakeSecrets({
    bump,
    validationErrors,
    jobUids: () => new Set([...jobs.values()].map(j => j.metadata.uid)),
  });

  const remove = (key: string) => {
    const job = jobs.get(key);
    if (!job) return;
    runs.get(key)?.stop();
    runs.delete(key);
    for (const t of timers.get(key) ?? []) clearTimeout(t);
    jobs.delete(key);
    bump(job);
    emit('DELETED', job);
    secrets.collectGarbage();
  };

  const finish = (key: string, exitCode: number, deadline: boolean) => {
    const job = jobs.get(key);
    if (!job) return;
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

  /** Starts the Job's pod. */
  const run = (key: string) => {
    const job = jobs.get(key)!;
    const ns = job.metadata.namespace;
    const pod = new FakePod(job, {
      secret: name => secrets.get(ns, name),
      changed: p => bump(p),
      exited: exit => {
        if (runs.get(key) === pod) finish(key, exit.exitCode, exit.deadline);
        pod.exitedAt = Date.now();
      },
    });
    bump(pod.pod);
    runs.set(key, pod);
    void pod.run();
    job.status = { ...job.status, active: 1, startTime: now() };
    bump(job);
    emit('MODIFIED', job);
    const deadline = job.spec.activeDeadlineSeconds;
    if (typeof deadline === 'number') {
      const t = setTimeout(
        () => pod.kill('DeadlineExceeded', 143, 'SIGTERM'),
        deadline * 1000,
      );
      t.unref();
      timers.set(key, [...(timers.get(key) ?? []), t]);
    }
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
    requests.push(`${req.method} ${url.pathname}${url.search}`);
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
          created.push(copy(body));
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
          const pod = runs.get(key);
          if (policy === 'Foreground') {
            job.metadata.finalizers = ['foregroundDeletion'];
            bump(job);
            emit('MODIFIED', job);
            send(res, 200, job);
            // Dependents (the pod and its processes) go first, then the Job.
            pod?.kill('Error', 143, 'SIGTERM');
            const gone = () =>
              !pod || pod.exitedAt ? remove(key) : setTimeout(gone, 50).unref();
            gone();
          } else {
            pod?.kill('Error', 143, 'SIGTERM');
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
        const items = pods().filter(
          p => p.metadata.namespace === m![1] && selector(p.metadata.labels),
        );
        sendList(res, 'pods', items);
        return;
      }
      m = url.pathname.match(
        /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/,
      );
      if (m && req.method === 'GET') {
        const pod = podByName(m[1], m[2]);
        if (!pod) {
          send(res, 404, status(404, 'NotFound', `pods "${m[2]}" not found`));
          return;
        }
        const refused = pod.serveLog(
          res,
          url.searchParams.get('container') ?? '',
          url.searchParams.get('follow') === 'true',
          url.searchParams.get('timestamps') === 'true',
        );
        if (refused) {
          send(
            res,
            refused.code,
            status(refused.code, 'BadRequest', refused.message),
          );
        }
        return;
      }
      m = url.pathname.match(
        /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/,
      );
      if (m) {
        secrets.handle(req, res, m[1], m[2], body);
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
        const items = (isPods ? pods() : [...jobs.values()]).filter(o =>
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
  const call = (method: string, path: string, body?: object) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${options.token}`,
        'Content-Type': 'application/json',
      },
      body: body ? JSON.stringify(body) : undefined,
    });

  return {
    url,
    jobs,
    /** Stored Secrets, by namespace/name. */
    secrets: secrets.stored,
    /** Each Job's pod as it runs: its object, container logs, what each process saw. */
    runs,
    created,
    /** Every Secret created through the API, as it was posted. */
    createdSecrets: secrets.created,
    validationErrors,
    requests,
    /** Creates a Job through the API, as kubectl or another controller would. */
    createJob: (namespace: string, job: object) =>
      call('POST', `/apis/batch/v1/namespaces/${namespace}/jobs`, job),
    /** Creates a Secret through the API. */
    createSecret: (namespace: string, secret: object) =>
      call('POST', `/api/v1/namespaces/${namespace}/secrets`, secret),
    /** Deletes a Job through the API, leaving its pods to the garbage collector. */
    deleteJob: (namespace: string, name: string) =>
      call(
        'DELETE',
        `/apis/batch/v1/namespaces/${namespace}/jobs/${name}?propagationPolicy=Background`,
      ),
    /** Kills a Job's running container as the kernel's OOM killer would. */
    oomKill: (namespace: string, name: string) =>
      runs.get(`${namespace}/${name}`)?.kill('OOMKilled', 137, 'SIGKILL') ??
      false,
    /** Breaks every open log stream, as a dropped connection would. */
    cutLogStreams: () => runs.forEach(r => r.cutLogStreams()),
    async close() {
      for (const r of runs.values()) r.stop();
      for (const w of watchers) w.res.end();
      for (const ts of timers.values()) ts.forEach(clearTimeout);
      server.closeAllConnections();
      await new Promise<void>(r => server.close(() => r()));
    },
  };
}
