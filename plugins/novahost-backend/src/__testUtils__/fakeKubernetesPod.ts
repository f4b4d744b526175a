/**
 * The pod side of the simulated Kubernetes API (fakeKubernetes.ts): runs a
 * Job's pod as local processes, its init containers one after the other,
 * then its container, each with the environment and volumes its spec
 * gives. Volumes are local directories (emptyDir: empty; secret: the
 * Secret's keys as files, once the Secret exists — until then the pod
 * waits, as the kubelet retries the mount). Each container sees its mounts,
 * and only those, under its own root directory: environment values that
 * are paths inside a mount point there, and the process starts in it. The
 * containers' output is kept as their logs, served as the API's pods/log.
 */
import { ChildProcess, spawn } from 'child_process';
import { randomBytes, randomUUID } from 'crypto';
import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';

type Obj = Record<string, any>;
type LogLine = { ts: string; text: string };

/** One container's log: its lines, and whether it can still grow. */
class ContainerLog {
  readonly lines: LogLine[] = [];
  done = false;
  private readonly followers = new Set<http.ServerResponse>();

  add(text: string) {
    // RFC 3339 with nanoseconds, as the kubelet writes them.
    const ts = new Date().toISOString().replace('Z', '000000Z');
    const line = { ts, text };
    this.lines.push(line);
    for (const res of this.followers) res.write(this.format(res, line));
  }

  end() {
    this.done = true;
    for (const res of this.followers) res.end();
    this.followers.clear();
  }

  private format(res: http.ServerResponse, line: LogLine) {
    return (res as any).timestamps
      ? `${line.ts} ${line.text}\n`
      : `${line.text}\n`;
  }

  serve(res: http.ServerResponse, follow: boolean, timestamps: boolean) {
    (res as any).timestamps = timestamps;
    res.writeHead(200, {
      'Content-Type': 'text/plain',
      'Transfer-Encoding': 'chunked',
    });
    for (const line of this.lines) res.write(this.format(res, line));
    if (!follow || this.done) {
      res.end();
      return;
    }
    this.followers.add(res);
    res.on('close', () => this.followers.delete(res));
  }

  /** Drops every follow stream, as a broken connection would. */
  cut() {
    for (const res of this.followers) res.destroy();
    this.followers.clear();
  }
}

const splitLines = (onLine: (line: string) => void) => {
  let buffer = '';
  return {
    push(chunk: Buffer) {
      buffer += chunk.toString('utf8');
      for (let i = buffer.indexOf('\n'); i !== -1; i = buffer.indexOf('\n')) {
        onLine(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
      }
    },
    end() {
      if (buffer) onLine(buffer);
      buffer = '';
    },
  };
};

export type PodExit = { exitCode: number; reason: string; deadline: boolean };

export class FakePod {
  readonly pod: Obj;
  readonly logs = new Map<string, ContainerLog>();
  /** Per container, what its process saw: its root and environment. */
  readonly seen = new Map<string, { root: string; env: NodeJS.ProcessEnv }>();
  /** When the pod ended (all its processes gone). */
  exitedAt: number | undefined;
  private current: ChildProcess | undefined;
  private killed: { reason: string; exitCode: number } | undefined;
  private stopped = false;
  private readonly dirs: string[] = [];

  constructor(
    job: Obj,
    private readonly o: {
      secret: (name: string) => Obj | undefined;
      /** The pod object changed (bump its resourceVersion). */
      changed: (pod: Obj) => void;
      /** The pod ended: every container ran, or one failed or was killed. */
      exited: (exit: PodExit) => void;
    },
  ) {
    const spec = job.spec.template.spec;
    const name = `${job.metadata.name}-${randomBytes(3)
      .toString('hex')
      .slice(0, 5)}`;
    const waiting = (c: Obj) => ({
      name: c.name,
      image: c.image,
      ready: false,
      restartCount: 0,
      state: { waiting: { reason: 'PodInitializing' } },
    });
    this.pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: job.metadata.namespace,
        uid: randomUUID(),
        labels: {
          ...(job.spec.template.metadata?.labels ?? {}),
          'job-name': job.metadata.name,
          'batch.kubernetes.io/job-name': job.metadata.name,
          'controller-uid': job.metadata.uid,
        },
        creationTimestamp: new Date().toISOString(),
      },
      spec,
      status: {
        phase: 'Pending',
        startTime: new Date().toISOString(),
        initContainerStatuses: (spec.initContainers ?? []).map(waiting),
        containerStatuses: spec.containers.map(waiting),
      },
    };
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      this.logs.set(c.name, new ContainerLog());
    }
  }

  get name(): string {
    return this.pod.metadata.name;
  }

  private status(name: string): Obj {
    const s = this.pod.status;
    return [...s.initContainerStatuses, ...s.containerStatuses].find(
      (x: Obj) => x.name === name,
    );
  }

  /** Mounts the volumes (waiting for Secrets), then runs the containers. */
  async run(): Promise<void> {
    const spec = this.pod.spec;
    const volumes = new Map<string, string>();
    for (const v of spec.volumes ?? []) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fake-k8s-${v.name}-`));
      this.dirs.push(dir);
      if (v.secret) {
        let secret = this.o.secret(v.secret.secretName);
        while (!secret && !this.stopped && !this.killed) {
          await new Promise(r => setTimeout(r, 50));
          secret = this.o.secret(v.secret.secretName);
        }
        if (!secret) return this.end(this.killed?.exitCode ?? 143);
        const items: Obj[] =
          v.secret.items ??
          Object.keys(secret.data ?? {}).map(key => ({ key, path: key }));
        for (const item of items) {
          const file = path.join(dir, item.path);
          fs.writeFileSync(
            file,
            Buffer.from(secret.data[item.key] ?? '', 'base64'),
          );
          fs.chmodSync(file, item.mode ?? v.secret.defaultMode ?? 0o644);
        }
      }
      volumes.set(v.name, dir);
    }
    const all = [
      ...(spec.initContainers ?? []).map((c: Obj) => ({ c, init: true })),
      ...spec.containers.map((c: Obj) => ({ c, init: false })),
    ];
    for (const { c, init } of all) {
      if (this.killed || this.stopped)
        return this.end(this.killed?.exitCode ?? 143);
      if (!init) this.pod.status.phase = 'Running';
      const code = await this.runContainer(c, volumes);
      if (code !== 0) return this.end(code);
    }
    return this.end(0);
  }

  private runContainer(c: Obj, volumes: Map<string, string>) {
    const root = fs.mkdtempSync(
      path.join(os.tmpdir(), `fake-k8s-${c.name}-root-`),
    );
    this.dirs.push(root);
    const mounts: Array<[string, string]> = [];
    for (const m of c.volumeMounts ?? []) {
      const at = path.join(root, m.mountPath);
      fs.mkdirSync(path.dirname(at), { recursive: true });
      fs.symlinkSync(volumes.get(m.name)!, at);
      mounts.push([m.mountPath, at]);
    }
    const mapPath = (value: string) => {
      for (const [mountPath, local] of mounts) {
        if (value === mountPath || value.startsWith(`${mountPath}/`)) {
          return local + value.slice(mountPath.length);
        }
      }
      return value;
    };
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LANG: 'C.UTF-8' };
    for (const e of c.env ?? []) env[e.name] = mapPath(e.value ?? '');
    this.seen.set(c.name, { root, env });
    const [cmd, ...args] = [...(c.command ?? []), ...(c.args ?? [])];
    const log = this.logs.get(c.name)!;
    const status = this.status(c.name);
    const child = spawn(cmd, args, {
      env,
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.current = child;
    status.state = { running: { startedAt: new Date().toISOString() } };
    status.ready = true;
    this.o.changed(this.pod);
    const out = splitLines(line => log.add(line));
    const err = splitLines(line => log.add(line));
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    return new Promise<number>(resolve => {
      child.on('error', () => {});
      child.on('close', (code, signal) => {
        out.end();
        err.end();
        log.end();
        this.current = undefined;
        const exitCode =
          this.killed?.exitCode ?? code ?? (signal === 'SIGKILL' ? 137 : 143);
        const reason =
          this.killed?.reason ?? (exitCode === 0 ? 'Completed' : 'Error');
        status.ready = false;
        status.state = {
          terminated: {
            exitCode,
            reason,
            finishedAt: new Date().toISOString(),
          },
        };
        this.o.changed(this.pod);
        resolve(exitCode);
      });
    });
  }

  private end(exitCode: number) {
    this.pod.status.phase = exitCode === 0 ? 'Succeeded' : 'Failed';
    for (const log of this.logs.values()) log.end();
    this.o.changed(this.pod);
    this.o.exited({
      exitCode,
      reason: this.killed?.reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
      deadline: this.killed?.reason === 'DeadlineExceeded',
    });
    // A step the build left running in another process group may still be
    // writing: retry, and never throw.
    for (const dir of this.dirs) {
      fs.promises
        .rm(dir, {
          recursive: true,
          force: true,
          maxRetries: 5,
          retryDelay: 200,
        })
        .catch(() => {});
    }
  }

  /** Kills the running container (or stops a pod still waiting to start). */
  kill(reason: string, exitCode: number, signal: NodeJS.Signals): boolean {
    if (this.killed) return false;
    this.killed = { reason, exitCode };
    const child = this.current;
    if (!child?.pid) return true;
    try {
      process.kill(-child.pid, signal);
    } catch {
      return false;
    }
    return true;
  }

  /** Whether a container process is running now. */
  get busy(): boolean {
    return !!this.current;
  }

  stop() {
    this.stopped = true;
    if (this.current?.pid) {
      try {
        process.kill(-this.current.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }

  /** Serves `GET …/pods/{name}/log` for one container, as the API server does. */
  serveLog(
    res: http.ServerResponse,
    container: string,
    follow: boolean,
    timestamps: boolean,
  ): Obj | undefined {
    const log = this.logs.get(container);
    if (!log) {
      return {
        code: 400,
        message: `container ${container} is not valid for pod ${this.name}`,
      };
    }
    const state = this.status(container).state;
    if (state.waiting) {
      return {
        code: 400,
        message: `container "${container}" in pod "${this.name}" is waiting to start: ${state.waiting.reason}`,
      };
    }
    log.serve(res, follow, timestamps);
    return undefined;
  }

  cutLogStreams() {
    for (const log of this.logs.values()) log.cut();
  }
}
