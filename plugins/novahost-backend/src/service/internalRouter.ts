import { InputError } from '@backstage/errors';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { NovahostService } from './NovahostService';
import { parse } from './router';

const logsSchema = z.strictObject({
  lines: z
    .array(
      z.strictObject({
        seq: z.number().int().min(1),
        ts: z.iso.datetime({ offset: true }),
        stream: z.enum(['stdout', 'stderr', 'system']),
        text: z.string().max(64 * 1024),
      }),
    )
    .max(2000),
});

const eventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('phase'),
    phase: z.enum(['building', 'uploading']),
    commitSha: z
      .string()
      .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/)
      .optional(),
    // A framework id like `vite`; build programs before detection omit it.
    framework: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{0,63}$/)
      .optional(),
  }),
  z.strictObject({
    type: z.literal('failed'),
    error: z.string().max(8192),
    exitCode: z.number().int().nullable(),
  }),
]);

const manifestSchema = z.strictObject({
  files: z.record(
    z.string().max(1024),
    z.strictObject({
      hash: z.string(),
      size: z.number().int().min(0),
    }),
  ),
});

function bearer(req: Request): string | undefined {
  const header = req.header('authorization');
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

/**
 * The build program's API, authenticated by the per-deployment build token
 * (not Backstage credentials: build code is untrusted and gets nothing else).
 */
export async function createInternalRouter(options: {
  service: NovahostService;
}): Promise<express.Router> {
  const { service } = options;
  const router = Router();
  const small = express.json({ limit: '64kb' });
  const large = express.json({ limit: '16mb' });

  const auth = (req: Request) =>
    service.authenticateBuild(req.params.id, bearer(req));

  router.get('/builds/:id/spec', async (req, res) => {
    const row = await auth(req);
    res.json(await service.buildSpec(row));
  });

  router.post('/builds/:id/logs', large, async (req, res) => {
    const token = bearer(req)!;
    const row = await auth(req);
    const body = parse(logsSchema, req.body, 'logs');
    await service.appendLogs(
      row.id,
      body.lines.map(l => ({
        clientSeq: l.seq,
        ts: new Date(l.ts),
        stream: l.stream,
        text: l.text,
      })),
      [token],
    );
    res.status(204).end();
  });

  router.post('/builds/:id/events', small, async (req, res) => {
    const row = await auth(req);
    const event = parse(eventSchema, req.body, 'event');
    await service.buildEvent(row, event);
    res.status(204).end();
  });

  router.post('/builds/:id/manifest', large, async (req, res) => {
    const row = await auth(req);
    const body = parse(manifestSchema, req.body, 'manifest');
    res.json(await service.submitManifest(row, body.files));
  });

  router.put('/builds/:id/blobs/:hash', async (req, res) => {
    const row = await auth(req);
    if (req.is('application/json')) {
      throw new InputError('Blobs are sent as raw bytes');
    }
    await service.putBlob(row, req.params.hash, req);
    res.status(204).end();
  });

  router.post('/builds/:id/finalize', small, async (req, res) => {
    const row = await auth(req);
    const deployment = await service.finalize(row);
    res.json({ status: deployment.status, url: deployment.url });
  });

  return router;
}
