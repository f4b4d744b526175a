import type { Deployment, Project } from '@internal/plugin-novahost-common';
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

/** A project as the API answers, for fixtures. */
export function project(
  p: Partial<Project> & { slug: string; repoUrl: string },
): Project {
  return {
    id: `id-${p.slug}`,
    name: p.slug,
    branch: 'main',
    rootDirectory: '',
    installCommand: null,
    buildCommand: null,
    outputDirectory: null,
    owner: null,
    spa: false,
    autoPromote: true,
    productionDeploymentId: null,
    url: `http://${p.slug}.localhost:8080`,
    createdAt: new Date(0).toISOString(),
    updatedAt: new Date(0).toISOString(),
    ...p,
  };
}

export function deployment(
  d: Partial<Deployment> & { id: string },
): Deployment {
  return {
    shortId: 'abcd1234',
    projectId: 'id-site',
    ref: 'main',
    commitSha: null,
    status: 'queued',
    error: null,
    exitCode: null,
    createdBy: 'user:default/mock',
    url: 'http://site-abcd1234.localhost:8080',
    isProduction: false,
    stats: null,
    framework: null,
    createdAt: new Date(0).toISOString(),
    startedAt: null,
    uploadingAt: null,
    finishedAt: null,
    ...d,
  };
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
        controller.enqueue(
          encoder.encode(
            `${
              id !== undefined ? `id: ${id}\n` : ''
            }event: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
          ),
        );
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
