/**
 * The response to a file plan, built by small named steps in the manner of
 * node-http-proxy's passes: each `(req, res, ctx)` runs in order and
 * returns true when it has answered, which ends the chain. A step only
 * reads the request and the context, and either answers or adds to the
 * context for the steps after it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { ArtifactReader } from './artifacts';
import { ifNoneMatchMatches } from './conditional';
import {
  MAX_MEMORY_BLOB_BYTES,
  chooseEncoding,
  parseRange,
  type BlobCache,
  type CompressionCache,
  type Encoding,
} from './encoding';
import type { Metrics } from './metrics';
import type { FilePlan } from './plan';
import {
  SECURITY_HEADERS,
  etagOf,
  type ResponseHeaderCache,
} from './responseHeaders';

/** What the steps read bytes from. */
export interface StepIO {
  reader: Pick<ArtifactReader, 'openBlob'>;
  /** A whole blob (callers bound the size). */
  loadBlob(hash: string): Promise<Buffer>;
  blobs: BlobCache;
  compression: CompressionCache;
  metrics?: Metrics;
}

export interface StepContext {
  plan: FilePlan;
  io: StepIO;
  /** The encoding to send; undefined for identity. */
  encoding: Encoding | undefined;
  etag: string;
  /** The plan's shared headers for this encoding: never changed. */
  base: Readonly<Record<string, string>>;
  /** This response's headers (a copy of `base` the steps add to). */
  headers: Record<string, string>;
  /** The status to send: the plan's, or 206 once a range applies. */
  status: number;
  range?: { start: number; end: number };
}

/** Returns true when it has answered: the chain stops there. */
export type ResponseStep = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: StepContext,
) => boolean | Promise<boolean>;

/** The context of a file plan's response: encoding, ETag and headers. */
export function createStepContext(
  req: IncomingMessage,
  plan: FilePlan,
  io: StepIO,
  headerCache: ResponseHeaderCache,
): StepContext {
  // A range is of the identity bytes, so a ranged request is not encoded.
  const encoding =
    plan.status === 200 && req.headers.range
      ? undefined
      : chooseEncoding(
          req.headers['accept-encoding'],
          plan.contentType,
          plan.file.entry.size,
        );
  const base = headerCache.get(plan, encoding);
  return {
    plan,
    io,
    encoding,
    etag: etagOf(plan, encoding),
    base,
    headers: { ...base },
    status: plan.status,
  };
}

/** 304 when the client's copy is current (If-None-Match, else If-Modified-Since). */
export const notModified: ResponseStep = (req, res, ctx) => {
  if (ctx.plan.status !== 200) return false;
  const inm = req.headers['if-none-match'];
  const ims = req.headers['if-modified-since'];
  const createdAt = ctx.plan.manifest.createdAt;
  const current = inm
    ? ifNoneMatchMatches(inm, ctx.etag)
    : Boolean(
        ims &&
          createdAt &&
          Math.floor(createdAt.getTime() / 1000) <=
            Math.floor(Date.parse(ims) / 1000),
      );
  if (!current) return false;
  ctx.io.metrics?.notModified();
  res.writeHead(304, ctx.headers);
  res.end();
  return true;
};

/** The compressed body, compressed once per blob and encoding. */
export const encoded: ResponseStep = async (req, res, ctx) => {
  if (!ctx.encoding) return false;
  const { hash } = ctx.plan.file.entry;
  const body = await ctx.io.compression.get(hash, ctx.encoding, () =>
    ctx.io.loadBlob(hash),
  );
  ctx.headers['Content-Encoding'] = ctx.encoding;
  ctx.headers['Content-Length'] = String(body.length);
  res.writeHead(ctx.status, ctx.headers);
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
};

/**
 * A single byte range (If-Range honoured) of a 200 response: 416 when it
 * cannot be satisfied, else the range for the steps that send the bytes.
 */
export const ranged: ResponseStep = (req, res, ctx) => {
  const { size } = ctx.plan.file.entry;
  const header = req.headers.range;
  if (ctx.plan.status !== 200 || !header) return false;
  const ifRange = req.headers['if-range'];
  if (ifRange && ifRange !== ctx.etag) return false;
  const range = parseRange(header, size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, {
      ...SECURITY_HEADERS,
      'Content-Range': `bytes */${size}`,
      'Content-Length': '0',
    });
    res.end();
    return true;
  }
  if (range) {
    ctx.range = range;
    ctx.status = 206;
    ctx.headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
    ctx.headers['Content-Length'] = String(range.end - range.start + 1);
  }
  return false;
};

/**
 * Small files from memory. A plain 200 GET also records its flat header
 * list on the plan, which lets the next such request take the hot path.
 */
export const buffered: ResponseStep = async (req, res, ctx) => {
  const { hash, size } = ctx.plan.file.entry;
  if (req.method === 'HEAD' || size > MAX_MEMORY_BLOB_BYTES) return false;
  const { blobs, loadBlob } = ctx.io;
  const whole =
    blobs.peek(hash) ?? (await blobs.get(hash, () => loadBlob(hash)));
  if (ctx.range) {
    res.writeHead(206, ctx.headers);
    res.end(whole.subarray(ctx.range.start, ctx.range.end + 1));
    return true;
  }
  if (ctx.plan.status === 200 && !ctx.encoding) {
    ctx.plan.raw ??= [
      ...Object.entries(ctx.base).flat(),
      'Content-Length',
      String(size),
    ];
    res.writeHead(200, ctx.plan.raw);
  } else {
    ctx.headers['Content-Length'] = String(size);
    res.writeHead(ctx.status, ctx.headers);
  }
  res.end(whole);
  return true;
};

/** Everything else (large files, HEAD) streamed from the store. */
export const streamed: ResponseStep = async (req, res, ctx) => {
  ctx.headers['Content-Length'] ??= String(ctx.plan.file.entry.size);
  // Opened before the status line goes out, so a missing blob is a clean 502.
  let body: Readable | undefined;
  if (req.method !== 'HEAD') {
    body = await ctx.io.reader.openBlob(ctx.plan.file.entry.hash, ctx.range);
  }
  res.writeHead(ctx.status, ctx.headers);
  if (!body) {
    res.end();
  } else {
    await pipeline(body, res);
  }
  return true;
};

/** The steps of a file response, in order; the last always answers. */
export const RESPONSE_STEPS: readonly ResponseStep[] = [
  notModified,
  encoded,
  ranged,
  buffered,
  streamed,
];

export async function runSteps(
  steps: readonly ResponseStep[],
  req: IncomingMessage,
  res: ServerResponse,
  ctx: StepContext,
): Promise<void> {
  for (const step of steps) {
    if (await step(req, res, ctx)) return;
  }
}
