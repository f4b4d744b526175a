import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ArtifactReader } from './artifacts';
import { createRequestHandler } from './handler';
import type { LoadedManifest } from './files';
import { MemoryLogger } from './logger';
import type { RouteStore } from './routeStore';
import { buildRoutingIndex } from './routing';

const BODY = Buffer.from('<h1>hello</h1>');
const manifest: LoadedManifest = {
  deploymentId: 'd',
  files: new Map([['index.html', { hash: 'a'.repeat(64), size: BODY.length }]]),
};

function setup() {
  const routes = {
    index: buildRoutingIndex(
      {
        version: 1,
        generatedAt: '',
        projects: [
          {
            id: 'p',
            slug: 'site',
            spa: false,
            productionDeploymentId: 'd',
            deployments: [],
          },
        ],
      },
      'localhost',
    ),
  } as RouteStore;
  const reader: ArtifactReader = {
    cachedManifest: () => manifest,
    manifest: async () => manifest,
    openBlob: jest.fn(async () => Readable.from([BODY])),
  };
  const handle = createRequestHandler({
    routes,
    reader,
    logger: new MemoryLogger(),
    accessLog: false,
  });
  return { handle, reader };
}

function request(headers: Record<string, string> = {}) {
  const req = {
    method: 'GET',
    url: '/',
    headers: { host: 'site.localhost', ...headers },
    socket: {},
  } as unknown as IncomingMessage;
  const sent: { status?: number; body?: Buffer } = {};
  const res = {
    headersSent: false,
    statusCode: 200,
    writeHead(status: number) {
      sent.status = status;
      res.headersSent = true;
      return res;
    },
    end(body?: Buffer) {
      sent.body = body;
    },
  };
  return { req, res: res as unknown as ServerResponse, sent };
}

describe('createRequestHandler', () => {
  it('answers a repeated plain GET on the synchronous hot path', async () => {
    const { handle, reader } = setup();
    // The first plans the request and reads the blob; its answer records
    // the header list the hot path sends.
    const first = request();
    await handle(first.req, first.res);
    expect(first.sent).toEqual({ status: 200, body: BODY });
    expect(reader.openBlob).toHaveBeenCalledTimes(1);

    const again = request();
    expect(handle(again.req, again.res)).toBeUndefined();
    expect(again.sent).toEqual({ status: 200, body: BODY });
    expect(reader.openBlob).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['a conditional request', { 'if-none-match': '"x"' }],
    ['a range', { range: 'bytes=0-1' }],
  ])('takes the full path for %s', async (_, headers) => {
    const { handle } = setup();
    const first = request();
    await handle(first.req, first.res);
    const other = request(headers);
    const answered = handle(other.req, other.res);
    expect(answered).toBeInstanceOf(Promise);
    await answered;
  });
});
