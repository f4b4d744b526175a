import {
  mockServices,
  registerMswTestHooks,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { Deployment } from '@internal/plugin-novahost-common';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  API,
  deployment,
  discovery,
  recorder,
  sseResponse,
} from '../__testUtils__/fakeNovahost';
import { createNovahostDeployAction } from './deploy';

const line = (seq: number, text: string, stream = 'stdout') => ({
  seq,
  ts: new Date(0).toISOString(),
  stream,
  text,
});

describe('novahost:deploy', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const action = createNovahostDeployAction({
    discovery,
    auth: mockServices.auth(),
    config: new ConfigReader({}),
    reconnectDelayMs: 10,
  });

  const context = (input: object) => {
    const logger = mockServices.logger.mock();
    const ctx = createMockActionContext({ input: input as any, logger });
    return { ctx, logger };
  };

  const startsDeployment = (d = deployment({ id: 'dep-1' })) =>
    http.post(`${API}/projects/:id/deployments`, () =>
      HttpResponse.json(d, { status: 202 }),
    );
  /** The log of dep-1: the frames `write` sends. */
  const streamsLog = (...args: Parameters<typeof sseResponse>) =>
    http.get(`${API}/deployments/dep-1/logs`, () => sseResponse(...args));
  /** A log that says "building" and stays open. */
  const keepsBuilding = () =>
    streamsLog(send => send('status', { status: 'building' }), {
      keepOpen: true,
    });
  /** GET /deployments/dep-1 answers dep-1 with `d`. */
  const answersDeployment = (d: Partial<Deployment>) =>
    http.get(`${API}/deployments/dep-1`, () =>
      HttpResponse.json(deployment({ id: 'dep-1', ...d })),
    );

  it('starts a deployment, streams its build log and ends ready', async () => {
    const rec = recorder();
    server.use(
      rec.record,
      startsDeployment(),
      streamsLog(send => {
        send('status', { status: 'building' });
        send('log', line(1, '> vite build'), 1);
        send('log', line(2, 'warning: big chunk', 'stderr'), 2);
        send('log', line(3, 'built in 1.2s'), 3);
        send('finish', { status: 'ready', error: null });
      }),
    );
    const { ctx, logger } = context({ projectId: 'site', ref: 'main' });
    await action.handler(ctx as any);

    expect(rec.requests[0]).toMatchObject({
      method: 'POST',
      path: '/projects/site/deployments',
      body: { ref: 'main' },
    });
    expect(rec.requests[1].path).toBe('/deployments/dep-1/logs?after=0');
    expect(logger.info).toHaveBeenCalledWith('> vite build');
    expect(logger.info).toHaveBeenCalledWith('built in 1.2s');
    expect(logger.warn).toHaveBeenCalledWith('warning: big chunk');
    expect(ctx.output).toHaveBeenCalledWith('deploymentId', 'dep-1');
    expect(ctx.output).toHaveBeenCalledWith(
      'url',
      'http://site-abcd1234.localhost:8080',
    );
    expect(ctx.output).toHaveBeenCalledWith('status', 'ready');
  });

  it("fails the task with the build's error and exit code", async () => {
    server.use(
      startsDeployment(),
      streamsLog(send => {
        send('log', line(1, 'npm ERR! missing script: build', 'stderr'), 1);
        send('finish', { status: 'failed', error: 'Build command failed' });
      }),
      answersDeployment({
        status: 'failed',
        error: 'Build command failed',
        exitCode: 1,
      }),
    );
    const { ctx, logger } = context({ projectId: 'site' });
    await expect(action.handler(ctx as any)).rejects.toThrow(
      'Novahost deployment dep-1 failed: Build command failed (exit code 1)',
    );
    expect(logger.warn).toHaveBeenCalledWith('npm ERR! missing script: build');
    expect(ctx.output).toHaveBeenCalledWith('status', 'failed');
  });

  it('resumes the log after the last line when the stream drops', async () => {
    const rec = recorder();
    let connections = 0;
    server.use(
      rec.record,
      startsDeployment(),
      http.get(`${API}/deployments/dep-1/logs`, () => {
        connections++;
        if (connections === 1) {
          // The backend restarts after two lines: no finish.
          return sseResponse(send => {
            send('log', line(1, 'one'), 1);
            send('log', line(2, 'two'), 2);
          });
        }
        return sseResponse(send => {
          send('log', line(2, 'two'), 2); // a replayed line is not logged twice
          send('log', line(3, 'three'), 3);
          send('finish', { status: 'ready', error: null });
        });
      }),
      answersDeployment({ status: 'building' }),
    );
    const { ctx, logger } = context({ projectId: 'site' });
    await action.handler(ctx as any);
    const logPaths = rec.requests
      .filter(r => r.path.includes('/logs'))
      .map(r => r.path);
    expect(logPaths).toEqual([
      '/deployments/dep-1/logs?after=0',
      '/deployments/dep-1/logs?after=2',
    ]);
    expect(
      logger.info.mock.calls
        .map(c => c[0])
        .filter(m => ['one', 'two', 'three'].includes(m)),
    ).toEqual(['one', 'two', 'three']);
  });

  it('gives up after the timeout and says the build keeps running', async () => {
    server.use(
      startsDeployment(),
      keepsBuilding(),
      answersDeployment({ status: 'building' }),
    );
    const { ctx } = context({ projectId: 'site', timeoutSeconds: 1 });
    await expect(action.handler(ctx as any)).rejects.toThrow(
      'Novahost deployment dep-1 did not finish within 1 seconds (still building); it keeps running',
    );
  });

  it('cancels the deployment when the task is canceled', async () => {
    const rec = recorder();
    server.use(
      rec.record,
      startsDeployment(),
      keepsBuilding(),
      http.post(`${API}/deployments/dep-1/cancel`, () =>
        HttpResponse.json(deployment({ id: 'dep-1', status: 'canceled' })),
      ),
    );
    const controller = new AbortController();
    const { ctx } = context({ projectId: 'site' });
    const run = action.handler({ ...ctx, signal: controller.signal } as any);
    await new Promise(r => setTimeout(r, 200));
    controller.abort();
    await expect(run).rejects.toThrow(
      'Task canceled; canceled deployment dep-1',
    );
    expect(rec.requests.some(r => r.path === '/deployments/dep-1/cancel')).toBe(
      true,
    );
  });

  it('does not wait when wait is false', async () => {
    const rec = recorder();
    server.use(rec.record, startsDeployment(), rec.notFound);
    const { ctx } = context({ projectId: 'site', wait: false });
    await action.handler(ctx as any);
    expect(rec.requests.map(r => r.path)).toEqual([
      '/projects/site/deployments',
    ]);
    expect(ctx.output).toHaveBeenCalledWith('status', 'queued');
  });

  it('surfaces a missing project', async () => {
    server.use(
      http.post(`${API}/projects/:id/deployments`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'NotFoundError',
              message: "Project 'nope' not found",
            },
            response: { statusCode: 404 },
          },
          { status: 404 },
        ),
      ),
    );
    const { ctx } = context({ projectId: 'nope' });
    await expect(action.handler(ctx as any)).rejects.toThrow(
      "Novahost POST /projects/nope/deployments failed: Project 'nope' not found",
    );
  });

  it('rejects an invalid ref before calling the backend', async () => {
    const rec = recorder();
    server.use(rec.record, rec.notFound);
    const { ctx } = context({ projectId: 'site', ref: 'a..b' });
    await expect(action.handler(ctx as any)).rejects.toThrow(
      /Invalid ref 'a..b'/,
    );
    expect(rec.requests).toEqual([]);
  });

  it('starts no second deployment when a resumed task replays its checkpoint', async () => {
    let created = 0;
    server.use(
      http.post(`${API}/projects/:id/deployments`, () => {
        created++;
        return HttpResponse.json(deployment({ id: `dep-${created}` }), {
          status: 202,
        });
      }),
    );
    const checkpoints = new Map<string, any>();
    const checkpoint = async ({ key, fn }: { key: string; fn: () => any }) => {
      if (!checkpoints.has(key)) checkpoints.set(key, await fn());
      return checkpoints.get(key);
    };
    for (let i = 0; i < 2; i++) {
      const { ctx } = context({ projectId: 'site', wait: false });
      await action.handler({ ...ctx, checkpoint } as any);
      expect(ctx.output).toHaveBeenCalledWith('deploymentId', 'dep-1');
    }
    expect(created).toBe(1);
  });

  it('makes no call in a dry run', async () => {
    const rec = recorder();
    server.use(rec.record, rec.notFound);
    const { ctx } = context({ projectId: 'my-site' });
    await action.handler({ ...ctx, isDryRun: true } as any);
    expect(rec.requests).toEqual([]);
    expect(ctx.output).toHaveBeenCalledWith('deploymentId', 'dry-run');
    expect(ctx.output).toHaveBeenCalledWith(
      'url',
      'http://my-site-dryrun00.localhost:8080',
    );
  });
});
