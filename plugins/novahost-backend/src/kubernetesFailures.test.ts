import { TestDatabases } from '@backstage/backend-test-utils';
import { user } from './__testUtils__/backend';
import { kubernetesSuite, NS } from './__testUtils__/kubernetesSuite';
import { jobName, secretName } from './runners/kubernetesPod';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });

/** Builds on the simulated cluster that end otherwise than ready. */
describe.each(databases.eachSupportedId())(
  'kubernetes runner failures on %p',
  id => {
    const suite = kubernetesSuite(databases, id);
    const { start, waitFor, createSiteProject, tokenOf, internal } = suite;

    beforeAll(async () => {
      await start();
    });

    it('ends OOM-killed, canceled and deleted builds with a reason, and removes orphaned Jobs', async () => {
      const project = await createSiteProject('Slow K8s', {
        files: { 'index.html': 'slow' },
        lines: 600,
        delayMs: 50,
      });
      const deploy = () => suite.nh.deploy(project.id);

      // A failing build step: publish reports it, with the exit code; the
      // output that led to it came through the followed log.
      const failing = await createSiteProject('Failing K8s', {
        files: { 'index.html': 'x' },
        failWith: 3,
      });
      const broken = await suite.nh.deploy(failing.id);
      const brokenLog = await suite.nh.logs(broken.id, { timeoutMs: 60_000 });
      expect(brokenLog[brokenLog.length - 1].data.status).toBe('failed');
      const failed = await suite.nh.getDeployment(broken.id);
      expect(failed.error).toMatch(
        /^Build command `npm run build` exited with code 3\n[\s\S]*something broke/,
      );
      expect(failed.exitCode).toBe(3);
      const broke = brokenLog.find(e => e.data?.text === 'something broke');
      expect(broke?.data.stream).toBe('stderr');

      // Its token ended with it.
      const spentToken = tokenOf(broken.id);
      expect((await internal(broken.id, spentToken)).status).toBe(409);

      /** Waits until the build container of a deployment has printed. */
      const building = (deploymentId: string) =>
        waitFor(
          deploymentId,
          () =>
            suite.k8s.runs
              .get(`${NS}/${jobName(deploymentId)}`)
              ?.logs.get('build')?.lines.length,
        );

      // OOM: the kernel kills the container; reconcile reads it from the pod.
      const oom = await deploy();
      await building(oom.id);
      // The token is single-purpose: another deployment's is refused, even
      // while this one runs; its own is accepted.
      expect((await internal(oom.id, spentToken)).status).toBe(401);
      expect((await internal(oom.id, tokenOf(oom.id))).status).toBe(200);
      // And only for the build protocol: the public API does not take it.
      const publicCall = await suite.nh.api
        .get(`/api/novahost/deployments/${oom.id}`)
        .set('Authorization', `Bearer ${tokenOf(oom.id)}`);
      expect(publicCall.status).toBe(401);
      expect(suite.k8s.oomKill(NS, jobName(oom.id))).toBe(true);
      const oomed = await waitFor(oom.id, x => x.status === 'failed', 30_000);
      expect(oomed.error).toMatch(/build step: OOMKilled \(exit code 137\)/);
      expect((await internal(oom.id, tokenOf(oom.id))).status).toBe(409);

      // Cancel: the Job is deleted with foreground propagation.
      const canceled = await deploy();
      await waitFor(canceled.id, x => x.status === 'building');
      const res = await suite.nh.api
        .post(`/api/novahost/deployments/${canceled.id}/cancel`)
        .set(user);
      expect(res.body.status).toBe('canceled');
      await waitFor(
        canceled.id,
        () => !suite.k8s.jobs.has(`${NS}/${jobName(canceled.id)}`),
        15_000,
      );
      // The token's Secret went with its Job.
      expect(suite.k8s.secrets.has(`${NS}/${secretName(canceled.id)}`)).toBe(
        false,
      );

      // Someone deletes the Job behind Novahost's back.
      const deleted = await deploy();
      await waitFor(deleted.id, x => x.status === 'building' && x.commitSha);
      await suite.k8s.deleteJob(NS, jobName(deleted.id));
      const gone = await waitFor(
        deleted.id,
        x => x.status === 'failed',
        40_000,
      );
      expect(gone.error).toMatch(/build (Job is gone|program)/);
      expect(suite.k8s.secrets.has(`${NS}/${secretName(deleted.id)}`)).toBe(
        false,
      );

      // A Job whose deployment is no longer active is an orphan: deleted.
      const orphanId = '00000000-0000-4000-8000-000000000001';
      const orphan = JSON.parse(JSON.stringify(suite.k8s.created[0]));
      orphan.metadata.name = jobName(orphanId);
      orphan.metadata.labels['novahost.dev/deployment'] = orphanId;
      orphan.spec.template.metadata.labels['novahost.dev/deployment'] =
        orphanId;
      const podSpec = orphan.spec.template.spec;
      delete podSpec.initContainers;
      podSpec.containers[0] = {
        ...podSpec.containers[0],
        command: ['sleep', '60'],
        args: [],
        volumeMounts: [],
      };
      podSpec.volumes = podSpec.volumes.filter((v: any) => v.emptyDir);
      const posted = await suite.k8s.createJob(NS, orphan);
      expect(posted.status).toBe(201);
      await waitFor(
        oom.id,
        () => !suite.k8s.jobs.has(`${NS}/${jobName(orphanId)}`),
        20_000,
      );
    });
  },
);
