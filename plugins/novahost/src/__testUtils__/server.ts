import { mockApis, registerMswTestHooks } from '@backstage/test-utils';
import type { Deployment, Project } from '@internal/plugin-novahost-common';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { NovahostClient, novahostApiRef } from '../api';
import { makeWebhookStatus } from './fixtures';

export const base = 'http://backend/api/novahost';

/** msw server with the test hooks registered; call in a test file's top level. */
export function setupNovahostServer() {
  const server = setupServer();
  registerMswTestHooks(server);
  return server;
}

/** A real client against msw: what the pages render is what the API answered. */
export function novahostApi() {
  const client = new NovahostClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://backend' }),
    fetchApi: { fetch: (input, init) => fetch(input, init) },
    retryDelayMs: 10,
  });
  return [novahostApiRef, client] as const;
}

export const page = <T>(items: T[]) => ({
  items,
  totalCount: items.length,
  limit: 50,
  offset: 0,
});

export function errorBody(status: number, name: string, message: string) {
  return HttpResponse.json(
    { error: { name, message }, response: { statusCode: status } },
    { status },
  );
}

/** An SSE answer whose whole body is `body`. */
export function eventStream(body: string) {
  return new HttpResponse(body, {
    headers: { 'Content-Type': 'text/event-stream' },
  });
}

/** GET handlers at each of `paths` answering the backend's 404 for `what`, e.g. "Project 'x'". */
export function notFoundHandlers(what: string, paths: string[]) {
  return paths.map(path =>
    http.get(`${base}${path}`, () =>
      errorBody(404, 'NotFoundError', `${what} not found`),
    ),
  );
}

/** Handlers of one project with its deployments (and a webhook no delivery reached). */
export function projectHandlers(
  project: Project,
  deployments: () => Deployment[],
) {
  return [
    http.get(`${base}/projects/${project.slug}`, () =>
      HttpResponse.json(project),
    ),
    http.get(`${base}/projects/${project.id}`, () =>
      HttpResponse.json(project),
    ),
    http.get(`${base}/projects/:id/deployments`, () =>
      HttpResponse.json(page(deployments())),
    ),
    http.get(`${base}/projects/:id/webhook`, () =>
      HttpResponse.json(makeWebhookStatus()),
    ),
    http.get(`${base}/projects/:id/env`, () =>
      HttpResponse.json({ items: [] }),
    ),
    // The page fetches production on its own when the list lacks it.
    http.get(`${base}/deployments/:id`, ({ params }) => {
      const d = deployments().find(x => x.id === params.id);
      return d
        ? HttpResponse.json(d)
        : errorBody(
            404,
            'NotFoundError',
            `Deployment '${params.id}' not found`,
          );
    }),
  ];
}
