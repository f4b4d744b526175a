import { InputError } from '@backstage/errors';
import express, { NextFunction, Request, Response } from 'express';
import Router from 'express-promise-router';
import { pipeline } from 'stream/promises';
import type { DeploymentRow } from '../database/tables';
import type { BuildSession } from './BuildSession';
import type { BuildCacheService } from './buildCache/BuildCacheService';
import {
  cacheArchiveSchema,
  cacheRestoreSchema,
  eventSchema,
  logsSchema,
  manifestSchema,
} from './buildProtocol';
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
  caches: BuildCacheService;
}): express.Router {
  const { builds, caches } = options;
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

  // The build cache (service/buildCache): the clone step restores, the
  // publish step saves; archives move through the store's URLs.
  router.post('/internal/builds/:id/cache/restore', small, async (req, res) => {
    const body = parse(cacheRestoreSchema, req.body, 'cache restore');
    res.json(await caches.restore(build(res), body.key));
  });

  router.get('/internal/builds/:id/cache/save', async (_req, res) => {
    res.json(await caches.savePlan(build(res)));
  });

  router.post('/internal/builds/:id/cache/upload', small, async (req, res) => {
    const body = parse(cacheArchiveSchema, req.body, 'cache archive');
    res.json(await caches.upload(build(res), body));
  });

  router.post('/internal/builds/:id/cache/commit', small, async (req, res) => {
    const body = parse(cacheArchiveSchema, req.body, 'cache archive');
    res.json(await caches.commit(build(res), body));
  });

  router.get('/internal/builds/:id/cache/archives/:hash', async (req, res) => {
    const archive = await caches.openArchive(build(res), req.params.hash);
    res.setHeader('Content-Type', 'application/octet-stream');
    await pipeline(archive, res);
  });

  router.put('/internal/builds/:id/cache/archives/:hash', async (req, res) => {
    if (req.is('application/json')) {
      throw new InputError('Archives are sent as raw bytes');
    }
    await caches.putArchive(build(res), req.params.hash, req);
    res.status(204).end();
  });

  router.post('/internal/builds/:id/finalize', small, async (_req, res) => {
    const row = build(res);
    res.json(await builds.finalize(row));
  });

  return router;
}
