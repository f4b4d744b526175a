import type { Deployment, Project } from '@internal/plugin-novahost-common';
import {
  makeDeployment,
  makeProject,
  sseBody,
} from '@internal/plugin-novahost-common/testUtils';
import { http, HttpResponse } from 'msw';

export const API = 'http://novahost.test/api/novahost';

export const discovery = {
  getBaseUrl: async (pluginId: string) =>
    `http://novahost.test/api/${pluginId}`,
  getExternalBaseUrl: async (pluginId: string) =>
    `http://novahost.test/api/${pluginId}`,
};

export type Recorded = {
  method: string;
  path: string;
  auth: string | null;
  body?: any;
};

const epoch = new Date(0).toISOString();

/** A project as the API answers, named after its slug. */
export function project(
  p: Partial<Project> & { slug: string; repoUrl: string },
): Project {
  return makeProject({
    id: `id-${p.slug}`,
    name: p.slug,
    url: `http://${p.slug}.localhost:8080`,
    createdAt: epoch,
    updatedAt: epoch,
    ...p,
  });
}

/** A queued deployment of the project `site`, as the API answers it. */
export function deployment(
  d: Partial<Deployment> & { id: string },
): Deployment {
  return makeDeployment({
    shortId: 'abcd1234',
    projectId: 'id-site',
    status: 'queued',
    createdBy: 'user:default/mock',
    url: 'http://site-abcd1234.localhost:8080',
    createdAt: epoch,
    ...d,
  });
}

/** An SSE body from frames written by `write`, kept open until `write` resolves. */
export function sseResponse(
  write: (
    send: (event: string, data: unknown, id?: number) => void,
  ) => Promise<void> | void,
  opts: { keepOpen?: boolean } = {},
) {
  const encoder = new TextEncoder();
  const stream = new ReadableStream({
    async start(controller) {
      const send = (event: string, data: unknown, id?: number) =>
        controller.enqueue(encoder.encode(sseBody([{ event, data, id }])));
      await write(send);
      if (!opts.keepOpen) controller.close();
    },
  });
  return new HttpResponse(stream, {
    headers: { 'Content-Type': 'text/event-stream' },
  });
}

/** Records every request to the fake API and answers 404 for anything not handled. */
export function recorder() {
  const requests: Recorded[] = [];
  const record = http.all(`${API}/*`, async ({ request }) => {
    const url = new URL(request.url);
    let body: any;
    if (request.method !== 'GET') {
      const text = await request.clone().text();
      body = text ? JSON.parse(text) : undefined;
    }
    requests.push({
      method: request.method,
      path: url.pathname.replace('/api/novahost', '') + url.search,
      auth: request.headers.get('authorization'),
      body,
    });
    return undefined; // fall through to the next handler
  });
  const notFound = http.all(`${API}/*`, () =>
    HttpResponse.json(
      { error: { name: 'NotFoundError', message: 'not found' } },
      { status: 404 },
    ),
  );
  return { requests, record, notFound };
}
