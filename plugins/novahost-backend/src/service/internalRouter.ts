import { InputError } from '@backstage/errors';
import express, { NextFunction, Request, Response } from 'express';
import Router from 'express-promise-router';
import type { DeploymentRow } from '../database/tables';
import type { BuildSession } from './BuildSession';
import { eventSchema, logsSchema, manifestSchema } from './buildProtocol';
import { parse } from './validation';

function bearer(req: Request): string | undefined {
  const header = req.header('authorization');
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

/**
 * The build program's API under /internal, authenticated by the
 * per-deployment build token (not Backstage credentials: build code is
 * untrusted and gets nothing else). Mounted with an `unauthenticated` auth
 * policy for Backstage, next to which it is registered (plugin.ts).
 */
export function createInternalRouter(options: {
  builds: BuildSession;
}): express.Router {
  const { builds } = options;
  const router = Router();
  const small = express.json({ limit: '64kb' });
  const large = express.json({ limit: '16mb' });

  // The token is checked before any body is read: anonymous traffic costs
  // one indexed lookup, never a parse of up to 16 MB.
  const authenticated = async (
    req: Request,
    res: Response,
    next: NextFunction,
  ) => {
    res.locals.build = await builds.authenticate(req.params.id, bearer(req));
    next();
  };
  const build = (res: Response): DeploymentRow => res.locals.build;
  router.use('/internal/builds/:id', authenticated);

  router.get('/internal/builds/:id/spec', async (_req, res) => {
    const row = build(res);
    res.json(await builds.spec(row));
  });

  router.post('/internal/builds/:id/logs', large, async (req, res) => {
    const row = build(res);
    const body = parse(logsSchema, req.body, 'logs');
    await builds.appendLogs(
      row,
      body.lines.map(l => ({
        clientSeq: l.seq,
        ts: new Date(l.ts),
        stream: l.stream,
        text: l.text,
      })),
      bearer(req)!,
    );
    res.status(204).end();
  });

  router.post('/internal/builds/:id/events', small, async (req, res) => {
    const row = build(res);
    const event = parse(eventSchema, req.body, 'event');
    await builds.event(row, event);
    res.status(204).end();
  });

  router.post('/internal/builds/:id/manifest', large, async (req, res) => {
    const row = build(res);
    const body = parse(manifestSchema, req.body, 'manifest');
    res.json(await builds.manifest(row, body.files));
  });

  router.put('/internal/builds/:id/blobs/:hash', async (req, res) => {
    const row = build(res);
    if (req.is('application/json')) {
      throw new InputError('Blobs are sent as raw bytes');
    }
    await builds.putBlob(row, req.params.hash, req);
    res.status(204).end();
  });

  router.post('/internal/builds/:id/finalize', small, async (_req, res) => {
    const row = build(res);
    res.json(await builds.finalize(row));
  });

  return router;
}
