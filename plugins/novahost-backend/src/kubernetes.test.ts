import { TestDatabases } from '@backstage/backend-test-utils';
import { execFileSync } from 'child_process';
import fs from 'fs';
import { logTexts, user } from './__testUtils__/backend';
import { kubernetesSuite, NS } from './__testUtils__/kubernetesSuite';
import { BUILD_POOL_PLACEMENT } from './__testUtils__/placement';
import { createSiteRepo } from './__testUtils__/repo';
import { jobName, secretName } from './runners/kubernetesPod';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });

/**
 * Builds on the simulated cluster (kubernetesSuite): the pod shape, what
 * the untrusted build container can reach, the followed build log.
 */
describe.each(databases.eachSupportedId())('kubernetes runner on %p', id => {
  const suite = kubernetesSuite(databases, id);
  const { start, waitFor, until, createSiteProject, tokenOf, internal } = suite;

  it('runs a build as a hardened Job whose build container holds no credential', async () => {
    const { api } = await start();
    const local = createSiteRepo({ files: { 'index.html': '<h1>k8s</h1>' } });
    const refused = (
      await api
        .post('/api/novahost/projects')
        .set(user)
        .send({ name: 'K8s Site', repoUrl: `file://${local.dir}` })
    ).status;
    // Local repositories are for the local runner only.
    expect(refused).toBe(400);
    const created = await createSiteProject('K8s Site', {
      files: { 'index.html': '<h1>k8s</h1>' },
    });
    // The build looks for a credential wherever a container could find
    // one. The simulated pod shows each container its mounts, and only
    // those, under a root of its own (HOME is <root>/work/home).
    fs.writeFileSync(
      `${created.repo.dir}/build.js`,
      `
const fs = require('fs');
const path = require('path');
const root = process.env.HOME.replace(/\\/work\\/home$/, '');
const names = Object.keys(process.env).filter(k => /TOKEN|SECRET|NOVAHOST_API|KUBERNETES/.test(k));
console.log('env: ' + (names.join(',') || 'none'));
for (const p of ['/var/run/secrets/novahost/token', '/var/run/secrets/kubernetes.io/serviceaccount/token']) {
  try { fs.readFileSync(path.join(root, p)); console.log('read ' + p); }
  catch (e) { console.log('cannot read ' + p + ': ' + e.code); }
}
console.log('root: ' + fs.readdirSync(root).sort().join(','));
let pid = process.pid, found = [];
while (pid > 1) {
  let environ = '', status = '';
  try { environ = fs.readFileSync('/proc/' + pid + '/environ', 'utf8'); } catch {}
  try { status = fs.readFileSync('/proc/' + pid + '/status', 'utf8'); } catch { break; }
  if (/NOVAHOST_BUILD_TOKEN/.test(environ)) found.push(pid);
  pid = Number(/PPid:\\s+(\\d+)/.exec(status)[1]);
}
console.log('environ: ' + (found.length ? 'token variable in ' + found : 'clean'));
for (let i = 1; i <= 3; i++) console.log('build line ' + i + ' of 3');
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', '<h1>k8s</h1>');
`,
    );
    execFileSync(
      'git',
      [
        '-c',
        'user.email=t@t',
        '-c',
        'user.name=t',
        'commit',
        '-q',
        '-am',
        'hunt',
      ],
      { cwd: created.repo.dir },
    );

    const d = await suite.nh.deploy(created.id);
    const events = await suite.nh.logs(d.id, { timeoutMs: 90_000 });
    expect(events[events.length - 1].data).toEqual({
      status: 'ready',
      error: null,
    });
    const lines = events.filter(e => e.event === 'log').map(e => e.data);
    const line = (text: string) => lines.find(l => l.text === text);
    // The build container's output came through the Kubernetes API: the
    // backend followed its log, with the streams the build step tagged.
    expect(line('build line 3 of 3')?.stream).toBe('stdout');
    expect(line('Running build command: npm run build')?.stream).toBe('system');
    const texts = lines.map(l => l.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        'env: none',
        'cannot read /var/run/secrets/novahost/token: ENOENT',
        'cannot read /var/run/secrets/kubernetes.io/serviceaccount/token: ENOENT',
        'root: tmp,work',
        'environ: clean',
      ]),
    );
    // Lines of each step, each once.
    expect(texts.filter(t => /^build line/.test(t))).toEqual([
      'build line 1 of 3',
      'build line 2 of 3',
      'build line 3 of 3',
    ]);
    expect(texts.filter(t => /^Cloning /.test(t))).toHaveLength(1);
    expect(texts.filter(t => /^Uploaded; build took/.test(t))).toHaveLength(1);

    // Every object the API server took was schema-valid.
    expect(suite.k8s.validationErrors).toEqual([]);
    const name = jobName(d.id);
    const job = suite.k8s.created.find(j => j.metadata.name === name)!;
    expect(job.metadata.labels).toMatchObject({
      'backstage.io/kubernetes-id': 'k8s-site',
      'novahost.dev/project': 'k8s-site',
      'novahost.dev/deployment': d.id,
      'app.kubernetes.io/managed-by': 'novahost',
      'app.kubernetes.io/component': 'build',
    });
    // Backstage's Kubernetes tab finds the pod by the same labels.
    expect(job.spec.template.metadata.labels).toEqual(job.metadata.labels);
    expect(job.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 60,
      ttlSecondsAfterFinished: 600,
    });
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      // Placement from config: the build node pool, a sandboxed runtime.
      ...BUILD_POOL_PLACEMENT,
    });
    const containers = [...pod.initContainers, ...pod.containers];
    expect(containers.map((c: any) => c.name)).toEqual([
      'clone',
      'build',
      'publish',
    ]);
    for (const c of containers) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.resources.limits).toEqual({ cpu: '2', memory: '4Gi' });
    }
    // The Secret volume is mounted into clone and publish, never build.
    const mounting = containers
      .filter((c: any) => c.volumeMounts.some((m: any) => m.name === 'token'))
      .map((c: any) => c.name);
    expect(mounting).toEqual(['clone', 'publish']);
    const build = pod.initContainers[1];
    expect(build.env.map((e: any) => e.name).sort()).toEqual([
      'HOME',
      'NOVAHOST_WORKDIR',
      'TMPDIR',
    ]);
    expect(pod.volumes.map((v: any) => Object.keys(v).sort())).toEqual([
      ['emptyDir', 'name'],
      ['emptyDir', 'name'],
      ['emptyDir', 'name'],
      ['name', 'secret'],
    ]);

    // The token is in the Secret only, which the Job owns and which was
    // created after it (so it never exists without an owner).
    const token = tokenOf(d.id);
    expect(token).toMatch(/^[\w-]{40,}$/);
    const secret = suite.k8s.createdSecrets.find(
      s => s.metadata.name === secretName(d.id),
    )!;
    expect(secret.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        name,
        uid: suite.k8s.jobs.get(`${NS}/${name}`)!.metadata.uid,
        controller: true,
      },
    ]);
    const jobPost = suite.k8s.requests.indexOf(
      `POST /apis/batch/v1/namespaces/${NS}/jobs`,
    );
    const secretPost = suite.k8s.requests.indexOf(
      `POST /api/v1/namespaces/${NS}/secrets`,
    );
    expect(jobPost).toBeGreaterThanOrEqual(0);
    expect(secretPost).toBeGreaterThan(jobPost);
    const run = suite.k8s.runs.get(`${NS}/${name}`)!;
    expect(
      suite.k8s.requests.some(r =>
        r.startsWith(
          `GET /api/v1/namespaces/${NS}/pods/${run.name}/log?container=build&follow=true&timestamps=true`,
        ),
      ),
    ).toBe(true);
    // What the processes saw: the build's environment has nothing of it.
    expect(Object.keys(run.seen.get('build')!.env).sort()).toEqual([
      'HOME',
      'LANG',
      'NOVAHOST_WORKDIR',
      'PATH',
      'TMPDIR',
    ]);
    expect(run.seen.get('clone')!.env.NOVAHOST_BUILD_TOKEN_FILE).toMatch(
      /\/var\/run\/secrets\/novahost\/token$/,
    );
    expect(JSON.stringify(job)).not.toContain(token);
    expect(JSON.stringify(job)).not.toMatch(/S3RVER|cluster-token/);
    expect(JSON.stringify(events)).not.toContain(token);

    const ready = await waitFor(d.id, x => x.status === 'ready');
    expect(ready.stats).toMatchObject({ files: 1, newBlobs: 1 });
    // Single-purpose: the token ends with its deployment.
    expect((await internal(d.id, token)).status).toBe(409);
  });

  it('follows the build log across a dropped stream and a backend restart, every line once', async () => {
    const project = await createSiteProject('Restart', {
      files: { 'index.html': 'restart' },
      lines: 120,
      delayMs: 50,
    });
    const d = await suite.nh.deploy(project.id);
    const followed = () =>
      suite
        .knex('novahost_deployment_logs')
        .where({ deployment_id: d.id })
        .where('text', 'like', 'build line %');
    await until(async () => (await followed()).length >= 10);
    const pod = suite.k8s.runs.get(`${NS}/${jobName(d.id)}`)!.name;
    // A dropped log stream: the follower reads the log again, skipping
    // the lines it has.
    suite.k8s.cutLogStreams();
    await until(async () => (await followed()).length >= 30);

    await suite.nh.stop();
    // The pod keeps building; its lines wait in the container log.
    await new Promise(r => setTimeout(r, 1500));
    await start();

    const done = await waitFor(
      d.id,
      x => x.status === 'ready' || x.status === 'failed',
      90_000,
    );
    expect(done.status).toBe('ready');
    // The new process followed the log from its start again: every line
    // once, none twice.
    const texts = logTexts(await suite.nh.logs(d.id));
    expect(texts.filter(t => /^build line/.test(t))).toEqual(
      Array.from({ length: 120 }, (_, i) => `build line ${i + 1} of 120`),
    );
    expect(
      texts.filter(t => t === 'Running build command: npm run build'),
    ).toHaveLength(1);
    // It did read the log again: after the cut and after the restart.
    const reads = suite.k8s.requests.filter(r =>
      r.startsWith(
        `GET /api/v1/namespaces/${NS}/pods/${pod}/log?container=build`,
      ),
    );
    expect(reads.length).toBeGreaterThanOrEqual(3);
  });

  it('takes the followed lines through the log limits and redaction', async () => {
    await suite.nh.stop();
    await start({ maxLogLines: 25 });
    const project = await createSiteProject('Limited', {
      files: { 'index.html': 'limited' },
      lines: 40,
    });
    fs.writeFileSync(
      `${project.repo.dir}/build.js`,
      `${fs.readFileSync(`${project.repo.dir}/build.js`, 'utf8')}
console.log('npm token ghp_${'a'.repeat(36)}');`,
    );
    execFileSync(
      'git',
      ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-am', 'x'],
      { cwd: project.repo.dir },
    );
    const d = await suite.nh.deploy(project.id);
    const events = await suite.nh.logs(d.id, { timeoutMs: 60_000 });
    expect(events[events.length - 1].data.status).toBe('ready');
    const texts = logTexts(events);
    expect(texts.some(t => /^Log truncated after 25 lines/.test(t))).toBe(true);
    expect(texts).not.toContain('build line 40 of 40');
    expect(texts).toContain('build line 1 of 40');
    expect(texts).toContain('npm token ghp_***');
    expect(texts.join('\n')).not.toMatch(/ghp_a{36}/);
  });
});
