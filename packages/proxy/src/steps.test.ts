import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { etagFor } from './conditional';
import { BlobCache, CompressionCache, MAX_MEMORY_BLOB_BYTES } from './encoding';
import { ProxyError } from './errors';
import type { FilePlan } from './plan';
import { ResponseHeaderCache } from './responseHeaders';
import {
  buffered,
  createStepContext,
  encoded,
  notModified,
  ranged,
  runSteps,
  streamed,
  type ResponseStep,
  type StepContext,
  type StepIO,
} from './steps';

/** Records what a step sends, as a real response would receive it. */
class StubResponse extends Writable {
  status: number | undefined;
  sentHeaders: Record<string, string> | undefined;
  /** The flat header list, when the step sent one. */
  raw: string[] | undefined;
  private readonly chunks: Buffer[] = [];

  writeHead(status: number, headers: Record<string, string> | string[]) {
    this.status = status;
    if (Array.isArray(headers)) {
      this.raw = headers;
      this.sentHeaders = {};
      for (let i = 0; i < headers.length; i += 2) {
        this.sentHeaders[headers[i]] = headers[i + 1];
      }
    } else {
      this.sentHeaders = { ...headers };
    }
    return this;
  }

  get headersSent() {
    return this.status !== undefined;
  }

  get body(): Buffer {
    return Buffer.concat(this.chunks);
  }

  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.chunks.push(Buffer.from(chunk));
    done();
  }
}

const stubRequest = (
  headers: Record<string, string> = {},
  method = 'GET',
): IncomingMessage => ({ method, headers } as unknown as IncomingMessage);

const TEXT = 'hello novahost; '.repeat(100); // compressible, 1600 bytes
const HASH = 'a'.repeat(64);
const createdAt = new Date('2026-01-01T00:00:00Z');

function filePlan(
  overrides: { status?: 200 | 404; size?: number } = {},
): FilePlan {
  const entry = { hash: HASH, size: overrides.size ?? TEXT.length };
  return {
    kind: 'file',
    status: overrides.status ?? 200,
    target: {
      project: {
        id: 'p',
        slug: 'site',
        spa: false,
        productionDeploymentId: 'd',
        deployments: [],
      },
      deploymentId: 'd',
      via: 'production',
      path: 'app.js',
    },
    manifest: {
      deploymentId: 'd',
      files: new Map([['app.js', entry]]),
      createdAt,
    },
    file: { status: 200, key: 'app.js', entry },
    contentType: 'text/javascript; charset=utf-8',
  };
}

function stubIO(): StepIO & { opened: Array<unknown> } {
  const bytes = Buffer.from(TEXT);
  const opened: Array<unknown> = [];
  return {
    opened,
    reader: {
      async openBlob(_hash, range) {
        opened.push(range);
        return Readable.from([
          range ? bytes.subarray(range.start, range.end + 1) : bytes,
        ]);
      },
    },
    loadBlob: async () => bytes,
    blobs: new BlobCache(),
    compression: new CompressionCache(),
    metrics: { notModified: jest.fn() } as unknown as StepIO['metrics'],
  };
}

function context(
  req: IncomingMessage,
  plan = filePlan(),
  io = stubIO(),
): StepContext {
  return createStepContext(req, plan, io, new ResponseHeaderCache());
}

async function run(step: ResponseStep, req: IncomingMessage, ctx: StepContext) {
  const res = new StubResponse();
  const answered = await step(req, res as unknown as ServerResponse, ctx);
  return { answered, res };
}

/** Runs `step` alone on a GET with `headers`, in a fresh context. */
async function runGet(
  step: ResponseStep,
  headers: Record<string, string> = {},
  plan = filePlan(),
) {
  const req = stubRequest(headers);
  const ctx = context(req, plan);
  return { ctx, ...(await run(step, req, ctx)) };
}

/** Runs `ranged`, then `step`, on a GET for `range`, as the handler does. */
async function runRanged(step: ResponseStep, range: string) {
  const req = stubRequest({ range });
  const ctx = context(req);
  await run(ranged, req, ctx);
  return { ctx, ...(await run(step, req, ctx)) };
}

describe('createStepContext', () => {
  it('chooses the encoding, its ETag and a copy of the shared headers', () => {
    const plan = filePlan();
    const cache = new ResponseHeaderCache();
    const io = stubIO();
    const req = stubRequest({ 'accept-encoding': 'gzip' });
    const ctx = createStepContext(req, plan, io, cache);
    expect(ctx).toMatchObject({
      encoding: 'gzip',
      etag: etagFor(`${HASH}-gzip`),
      status: 200,
    });
    expect(ctx.base).toMatchObject({
      ETag: etagFor(`${HASH}-gzip`),
      Vary: 'Accept-Encoding',
      'Last-Modified': createdAt.toUTCString(),
      'X-Novahost-Deployment': 'd',
    });
    expect(ctx.headers).toEqual(ctx.base);
    expect(ctx.headers).not.toBe(ctx.base);
    expect(createStepContext(req, plan, io, cache).base).toBe(ctx.base);
  });

  it('never encodes a ranged 200', () => {
    const ctx = context(
      stubRequest({ 'accept-encoding': 'gzip', range: 'bytes=0-9' }),
    );
    expect(ctx.encoding).toBeUndefined();
    expect(ctx.etag).toBe(etagFor(HASH));
  });
});

describe('notModified', () => {
  const since = (date: Date) => ({ 'if-modified-since': date.toUTCString() });
  it.each([
    [
      'an If-None-Match listing the ETag',
      true,
      { 'if-none-match': `W/"x", ${etagFor(HASH)}` },
    ],
    ['another ETag', false, { 'if-none-match': '"other"' }],
    ['an If-Modified-Since at the deployment', true, since(createdAt)],
    ['an older If-Modified-Since', false, since(new Date('2025-12-01'))],
    [
      'If-None-Match, which wins over If-Modified-Since',
      false,
      { 'if-none-match': '"other"', ...since(createdAt) },
    ],
    ['no condition', false, {}],
  ])('answers 304 for %s: %s', async (_, answered, headers) => {
    const result = await runGet(notModified, headers);
    expect(result.answered).toBe(answered);
    expect(result.res.status).toBe(answered ? 304 : undefined);
    expect(result.ctx.io.metrics!.notModified).toHaveBeenCalledTimes(
      answered ? 1 : 0,
    );
  });

  it('leaves 404 responses alone', async () => {
    const result = await runGet(
      notModified,
      { 'if-none-match': '*' },
      filePlan({ status: 404 }),
    );
    expect(result.answered).toBe(false);
  });
});

describe('encoded', () => {
  it('sends the compressed bytes with their length', async () => {
    const { answered, res } = await runGet(encoded, {
      'accept-encoding': 'gzip',
    });
    expect(answered).toBe(true);
    expect(res.status).toBe(200);
    expect(res.sentHeaders).toMatchObject({
      'Content-Encoding': 'gzip',
      'Content-Length': String(res.body.length),
    });
    expect(gunzipSync(res.body).toString()).toBe(TEXT);
  });

  it('sends no body to HEAD, and passes on identity', async () => {
    const head = stubRequest({ 'accept-encoding': 'gzip' }, 'HEAD');
    const { res } = await run(encoded, head, context(head));
    expect(res.sentHeaders!['Content-Encoding']).toBe('gzip');
    expect(res.body.length).toBe(0);
    expect((await runGet(encoded)).answered).toBe(false);
  });
});

describe('ranged', () => {
  it('records a satisfiable range for the steps that send bytes', async () => {
    const { answered, res, ctx } = await runGet(ranged, { range: 'bytes=0-9' });
    expect(answered).toBe(false);
    expect(res.status).toBeUndefined();
    expect(ctx).toMatchObject({ status: 206, range: { start: 0, end: 9 } });
    expect(ctx.headers).toMatchObject({
      'Content-Range': `bytes 0-9/${TEXT.length}`,
      'Content-Length': '10',
    });
  });

  it('answers 416 when the range is past the end', async () => {
    const { answered, res } = await runGet(ranged, {
      range: `bytes=${TEXT.length}-`,
    });
    expect(answered).toBe(true);
    expect(res.status).toBe(416);
    expect(res.sentHeaders!['Content-Range']).toBe(`bytes */${TEXT.length}`);
  });

  it.each([
    ['an If-Range that does not match', { 'if-range': '"stale"' }, 200],
    ['a 404 response', {}, 404],
  ] as const)('ignores the range of %s', async (_, extra, status) => {
    const { answered, ctx } = await runGet(
      ranged,
      { range: 'bytes=0-9', ...extra },
      filePlan({ status }),
    );
    expect(answered).toBe(false);
    expect(ctx.range).toBeUndefined();
    expect(ctx.status).toBe(status);
  });
});

describe('buffered', () => {
  it('answers a plain GET from memory and records its header list', async () => {
    const { answered, res, ctx } = await runGet(buffered);
    expect(answered).toBe(true);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(TEXT);
    expect(res.raw).toBe(ctx.plan.raw);
    expect(res.sentHeaders).toEqual({
      ...ctx.base,
      'Content-Length': String(TEXT.length),
    });
    expect(ctx.io.blobs.peek(HASH)?.toString()).toBe(TEXT);
  });

  it('sends a range as 206 and a 404 page with its status', async () => {
    const partial = await runRanged(buffered, 'bytes=2-4');
    expect(partial.res.status).toBe(206);
    expect(partial.res.body.toString()).toBe(TEXT.slice(2, 5));
    expect(partial.ctx.plan.raw).toBeUndefined();

    const missing = await runGet(buffered, {}, filePlan({ status: 404 }));
    expect(missing.res.status).toBe(404);
    expect(missing.res.sentHeaders!['Content-Length']).toBe(
      String(TEXT.length),
    );
    expect(missing.ctx.plan.raw).toBeUndefined();
  });

  it('passes on HEAD and on files too large to keep', async () => {
    const head = stubRequest({}, 'HEAD');
    expect((await run(buffered, head, context(head))).answered).toBe(false);
    const big = filePlan({ size: MAX_MEMORY_BLOB_BYTES + 1 });
    expect((await runGet(buffered, {}, big)).answered).toBe(false);
  });
});

describe('streamed', () => {
  it('streams the blob, or its range, from the store', async () => {
    const { answered, res } = await runGet(streamed);
    expect(answered).toBe(true);
    expect(res.status).toBe(200);
    expect(res.sentHeaders!['Content-Length']).toBe(String(TEXT.length));
    expect(res.body.toString()).toBe(TEXT);

    const partial = await runRanged(streamed, 'bytes=5-');
    expect(partial.res.status).toBe(206);
    expect(partial.res.body.toString()).toBe(TEXT.slice(5));
  });

  it('opens nothing for HEAD', async () => {
    const req = stubRequest({}, 'HEAD');
    const io = stubIO();
    const { res } = await run(streamed, req, context(req, filePlan(), io));
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect(io.opened).toEqual([]);
  });

  it('fails before the status line when the blob is missing', async () => {
    const req = stubRequest();
    const io = stubIO();
    io.reader.openBlob = () => Promise.reject(new ProxyError('blob_missing'));
    const res = new StubResponse();
    await expect(
      streamed(
        req,
        res as unknown as ServerResponse,
        context(req, filePlan(), io),
      ),
    ).rejects.toThrow('blob_missing');
    expect(res.headersSent).toBe(false);
  });
});

describe('runSteps', () => {
  it('runs the steps in order and stops at the first that answers', async () => {
    const calls: string[] = [];
    const step =
      (name: string, answers: boolean): ResponseStep =>
      async () => {
        calls.push(name);
        return answers;
      };
    const req = stubRequest();
    await runSteps(
      [step('a', false), step('b', true), step('c', true)],
      req,
      new StubResponse() as unknown as ServerResponse,
      context(req),
    );
    expect(calls).toEqual(['a', 'b']);
  });
});
