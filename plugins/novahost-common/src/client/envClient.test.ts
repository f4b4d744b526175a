import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { makeDeployment } from '../testUtils';
import { NovahostClient } from './NovahostClient';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
afterEach(() => server.resetHandlers());

const base = 'http://backend/api/novahost';
const client = new NovahostClient({
  discoveryApi: { getBaseUrl: async id => `http://backend/api/${id}` },
  fetchApi: { fetch: (input: any, init?: any) => fetch(input, init) },
});

const item = {
  name: 'TOKEN',
  targets: ['production'],
  secret: true,
  updatedAt: '2026-01-01T12:00:00.000Z',
  updatedBy: 'user:default/a',
};

describe('NovahostClient: variables and redeploy', () => {
  it('lists, sets and deletes variables at their routes', async () => {
    const calls: string[] = [];
    server.use(
      http.get(`${base}/projects/my-site/env`, () =>
        HttpResponse.json({ items: [item] }),
      ),
      http.put(`${base}/projects/my-site/env/TOKEN`, async ({ request }) => {
        calls.push(`put ${JSON.stringify(await request.json())}`);
        return HttpResponse.json(item);
      }),
      http.delete(`${base}/projects/my-site/env/TOKEN`, ({ request }) => {
        calls.push(`delete ${new URL(request.url).search}`);
        return new HttpResponse(null, { status: 204 });
      }),
    );
    expect(await client.listEnvVars('my-site')).toEqual([item]);
    expect(
      await client.setEnvVar('my-site', 'TOKEN', {
        value: 'secret-value',
        targets: ['production'],
        secret: true,
      }),
    ).toEqual(item);
    await client.deleteEnvVar('my-site', 'TOKEN', 'preview');
    await client.deleteEnvVar('my-site', 'TOKEN');
    expect(calls).toEqual([
      'put {"value":"secret-value","targets":["production"],"secret":true}',
      'delete ?target=preview',
      'delete ',
    ]);
  });

  it('rejects a list whose items are not variables', async () => {
    server.use(
      http.get(`${base}/projects/my-site/env`, () =>
        HttpResponse.json({ items: [{ ...item, targets: ['staging'] }] }),
      ),
    );
    await expect(client.listEnvVars('my-site')).rejects.toThrow(
      /Unexpected variable list from the Novahost backend: items\.0\.targets\.0/,
    );
  });

  it('redeploys with the cache flag', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`${base}/deployments/d1/redeploy`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json(makeDeployment({ source: 'redeploy' }), {
          status: 202,
        });
      }),
    );
    expect((await client.redeploy('d1')).source).toBe('redeploy');
    await client.redeploy('d1', { cache: false });
    expect(bodies).toEqual([{}, { cache: false }]);
  });
});
