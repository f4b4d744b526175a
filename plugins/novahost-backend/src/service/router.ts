import { HttpAuthService } from '@backstage/backend-plugin-api';
import {
  addDomainSchema,
  createDeploymentSchema,
  hostnameSchema,
  createProjectSchema,
  pageQuerySchema,
  promoteSchema,
  updateProjectSchema,
} from '@internal/plugin-novahost-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { EventBus } from '../bus';
import { NovahostDatabase } from '../database/NovahostDatabase';
import type { DeploymentService } from './DeploymentService';
import type { DomainService } from './DomainService';
import { streamDeploymentLogs } from './logStream';
import type { ProjectService } from './ProjectService';
import type { RouteTableService } from './RouteTableService';
import { createEventStream } from './sse';
import { parse } from './validation';

export type RouterOptions = {
  projects: ProjectService;
  deployments: DeploymentService;
  domains: DomainService;
  routes: RouteTableService;
  db: NovahostDatabase;
  bus: EventBus;
  httpAuth: HttpAuthService;
};

const listQuerySchema = pageQuerySchema.extend({
  owner: z.string().max(255).optional(),
  search: z.string().max(100).optional(),
});

const logsQuerySchema = z.object({
  after: z.coerce.number().int().min(0).optional(),
});

/** The public REST API under /api/novahost (users and services). */
export function createRouter(options: RouterOptions): express.Router {
  const { projects, deployments, domains, routes, httpAuth } = options;
  const router = Router();
  const json = express.json({ limit: '256kb' });

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const userRef = async (req: Request) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const p = credentials.principal as {
      userEntityRef?: string;
      subject?: string;
    };
    return p.userEntityRef ?? p.subject;
  };

  router.get('/projects', async (req, res) => {
    await userRef(req);
    const query = parse(listQuerySchema, req.query, 'query');
    res.json(await projects.list(query));
  });

  router.post('/projects', json, async (req, res) => {
    const by = await userRef(req);
    const body = parse(createProjectSchema, req.body, 'project');
    const project = await projects.create({
      ...body,
      owner: body.owner ?? (by?.startsWith('user:') ? by : undefined),
    });
    res.status(201).json(project);
  });

  router.get('/projects/:id', async (req, res) => {
    await userRef(req);
    res.json(await projects.get(req.params.id));
  });

  router.patch('/projects/:id', json, async (req, res) => {
    await userRef(req);
    const body = parse(updateProjectSchema, req.body, 'project');
    res.json(await projects.update(req.params.id, body));
  });

  router.delete('/projects/:id', async (req, res) => {
    await userRef(req);
    await projects.delete(req.params.id);
    res.status(204).end();
  });

  router.post('/projects/:id/deployments', json, async (req, res) => {
    const by = await userRef(req);
    const body = parse(createDeploymentSchema, req.body, 'deployment');
    const deployment = await deployments.create(req.params.id, {
      ref: body.ref,
      createdBy: by,
    });
    res.status(202).json(deployment);
  });

  router.get('/projects/:id/deployments', async (req, res) => {
    await userRef(req);
    const page = parse(pageQuerySchema, req.query, 'query');
    res.json(await deployments.list(req.params.id, page));
  });

  router.post('/projects/:id/promote', json, async (req, res) => {
    await userRef(req);
    const body = parse(promoteSchema, req.body, 'promotion');
    res.json(await deployments.promote(req.params.id, body.deploymentId));
  });

  router.get('/projects/:id/domains', async (req, res) => {
    await userRef(req);
    res.json({ items: await domains.list(req.params.id) });
  });

  router.post('/projects/:id/domains', json, async (req, res) => {
    await userRef(req);
    const body = parse(addDomainSchema, req.body, 'domain');
    res.status(201).json(await domains.add(req.params.id, body.hostname));
  });

  router.post('/projects/:id/domains/:hostname/verify', async (req, res) => {
    await userRef(req);
    const hostname = parse(hostnameSchema, req.params.hostname, 'hostname');
    res.json(await domains.verify(req.params.id, hostname));
  });

  router.delete('/projects/:id/domains/:hostname', async (req, res) => {
    await userRef(req);
    const hostname = parse(hostnameSchema, req.params.hostname, 'hostname');
    await domains.remove(req.params.id, hostname);
    res.status(204).end();
  });

  router.get('/deployments/:id', async (req, res) => {
    await userRef(req);
    res.json(await deployments.get(req.params.id));
  });

  router.post('/deployments/:id/cancel', async (req, res) => {
    const by = await userRef(req);
    res.json(await deployments.cancel(req.params.id, by));
  });

  router.get('/deployments/:id/logs', async (req, res) => {
    await userRef(req);
    const query = parse(logsQuerySchema, req.query, 'query');
    const lastEventId = req.header('last-event-id');
    let after = query.after ?? 0;
    if (query.after === undefined && lastEventId !== undefined) {
      after = parse(logsQuerySchema, { after: lastEventId }, 'Last-Event-ID')
        .after!;
    }
    const deployment = await deployments.row(req.params.id);
    await streamDeploymentLogs({
      req,
      res,
      db: options.db,
      bus: options.bus,
      deployment,
      after,
    });
  });

  // The proxy's view: only services (the proxy's static token) may read it.
  router.get('/routes', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['service'] });
    res.json(await routes.get());
  });

  router.get('/routes/events', async (req, res) => {
    await httpAuth.credentials(req, { allow: ['service'] });
    const stream = createEventStream(res);
    const off = routes.onChange(table => stream.send('routes', table));
    res.on('close', off);
    stream.send('routes', await routes.get());
  });

  return router;
}
