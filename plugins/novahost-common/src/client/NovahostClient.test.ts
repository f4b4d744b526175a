import { ResponseError } from '@backstage/errors';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { NovahostResponseValidationError } from '../responses';
import { makeDeployment, makeProject, sseBody } from '../testUtils';
import { NovahostClient } from './NovahostClient';
import { errorMessage } from './errors';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
afterEach(() => server.resetHandlers());

const base = 'http://backend/api/novahost';
const discoveryApi = {
  getBaseUrl: async (pluginId: string) => `http://backend/api/${pluginId}`,
};
const fetchApi = { fetch: (input: any, init?: any) => fetch(input, init) };
const client = new NovahostClient({ discoveryApi, fetchApi, retryDelayMs: 5 });

describe('NovahostClient', () => {
  it('lists projects with the query and validates the answer', async () => {
    let url: URL | undefined;
    server.use(
      http.get(`${base}/projects`, ({ request }) => {
        url = new URL(request.url);
        return HttpResponse.json({
          items: [makeProject({ latestDeployment: makeDeployment() })],
          totalCount: 1,
          limit: 50,
          offset: 0,
        });
      }),
    );
    const page = await client.listProjects({ search: 'site', owner: '' });
    expect(url?.searchParams.get('search')).toBe('site');
    expect(url?.searchParams.has('owner')).toBe(false);
    expect(page.items[0].slug).toBe('my-site');
    expect(page.items[0].latestDeployment?.status).toBe('ready');
  });

  it('rejects an answer that does not match the API', async () => {
    server.use(
      http.get(`${base}/projects/x`, () =>
        HttpResponse.json({ ...makeProject(), slug: 42 }),
      ),
    );
    await expect(client.getProject('x')).rejects.toThrow(
      NovahostResponseValidationError,
    );
    await expect(client.getProject('x')).rejects.toThrow(/slug/);
  });

  it('throws ResponseError with the backend message', async () => {
    server.use(
      http.post(`${base}/projects`, () =>
        HttpResponse.json(
          {
            error: { name: 'ConflictError', message: 'Name taken' },
            response: { statusCode: 409 },
          },
          { status: 409 },
        ),
      ),
    );
    const error = await client
      .createProject({ name: 'a', repoUrl: '/tmp/a' })
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(errorMessage(error)).toBe('Name taken');
  });

  it('sends promote, cancel, deploy and delete to the right routes', async () => {
    const calls: string[] = [];
    server.use(
      http.post(`${base}/projects/my-site/promote`, async ({ request }) => {
        calls.push(`promote ${JSON.stringify(await request.json())}`);
        return HttpResponse.json(makeProject());
      }),
      http.post(`${base}/deployments/d1/cancel`, () => {
        calls.push('cancel');
        return HttpResponse.json(makeDeployment({ status: 'canceled' }));
      }),
      http.post(`${base}/projects/my-site/deployments`, async ({ request }) => {
        calls.push(`deploy ${JSON.stringify(await request.json())}`);
        return HttpResponse.json(makeDeployment({ status: 'queued' }), {
          status: 202,
        });
      }),
      http.delete(`${base}/projects/my-site`, () => {
        calls.push('delete');
        return new HttpResponse(null, { status: 204 });
      }),
    );
    await client.promote('my-site', 'd9');
    await client.cancelDeployment('d1');
    await client.createDeployment('my-site', { ref: 'v2' });
    await client.deleteProject('my-site');
    expect(calls).toEqual([
      'promote {"deploymentId":"d9"}',
      'cancel',
      'deploy {"ref":"v2"}',
      'delete',
    ]);
  });

  it('streams logs and reconnects after the last line it saw', async () => {
    const afters: string[] = [];
    server.use(
      http.get(`${base}/deployments/d1/logs`, ({ request }) => {
        const after = new URL(request.url).searchParams.get('after')!;
        afters.push(after);
        const line = (seq: number) => ({
          id: seq,
          event: 'log',
          data: {
            seq,
            ts: '2026-01-01T12:00:00.000Z',
            stream: 'stdout',
            text: `line ${seq}`,
          },
        });
        // First connection drops after two lines (no finish).
        const body =
          after === '0'
            ? sseBody([
                { event: 'status', data: { status: 'building' } },
                line(1),
                line(2),
              ])
            : sseBody([
                line(2),
                line(3),
                { event: 'finish', data: { status: 'ready', error: null } },
              ]);
        return new HttpResponse(body, {
          headers: { 'Content-Type': 'text/event-stream' },
        });
      }),
    );
    const lines: number[] = [];
    const statuses: string[] = [];
    const reconnects: number[] = [];
    let finished: string | undefined;
    await client.streamLogs('d1', {
      onLog: l => lines.push(l.seq),
      onStatus: s => statuses.push(s),
      onFinish: s => {
        finished = s;
      },
      onReconnecting: attempt => reconnects.push(attempt),
    });
    expect(afters).toEqual(['0', '2']);
    expect(lines).toEqual([1, 2, 3]);
    expect(statuses).toEqual(['building']);
    expect(reconnects).toEqual([1]);
    expect(finished).toBe('ready');
  });

  it('does not retry a log stream the server refuses', async () => {
    let calls = 0;
    server.use(
      http.get(`${base}/deployments/nope/logs`, () => {
        calls += 1;
        return HttpResponse.json(
          {
            error: { name: 'NotFoundError', message: 'No such deployment' },
            response: { statusCode: 404 },
          },
          { status: 404 },
        );
      }),
    );
    const error = await client
      .streamLogs('nope', { onLog: () => {}, onFinish: () => {} })
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(errorMessage(error)).toBe('No such deployment');
    expect(calls).toBe(1);
  });
});
