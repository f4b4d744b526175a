import { HttpAuthService, LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
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
import { streamDeploymentLogs } from './logStream';
import { NovahostService } from './NovahostService';
import { RouteTableService } from './RouteTableService';
import { createEventStream } from './sse';
import { createInternalRouter } from './internalRouter';
import { DomainService } from './DomainService';

export type RouterOptions = {
  service: NovahostService;
  domains: DomainService;
  routes: RouteTableService;
  db: NovahostDatabase;
  bus: EventBus;
  httpAuth: HttpAuthService;
  logger: LoggerService;
};

/** Parses with zod and throws an InputError naming the offending field. */
export function parse<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.join('.') || what;
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field(s) ${issue.keys.join(', ')}`
        : issue.message;
    throw new InputError(`Invalid ${what}: ${field}: ${message}`);
  }
  return result.data;
}

const listQuerySchema = pageQuerySchema.extend({
  owner: z.string().max(255).optional(),
  search: z.string().max(100).optional(),
});

const logsQuerySchema = z.object({
  after: z.coerce.number().int().min(0).optional(),
});

/** The public REST API under /api/novahost. */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { service, routes, httpAuth } = options;
  const router = Router();
  const json = express.json({ limit: '256kb' });

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.use('/internal', await createInternalRouter({ service }));

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
    res.json(await service.listProjects(query));
  });

  router.post('/projects', json, async (req, res) => {
    const by = await userRef(req);
    const body = parse(createProjectSchema, req.body, 'project');
    const project = await service.createProject({
      ...body,
      owner: body.owner ?? (by?.startsWith('user:') ? by : undefined),
    });
    res.status(201).json(project);
  });

  router.get('/projects/:id', async (req, res) => {
    await userRef(req);
    res.json(await service.getProject(req.params.id));
  });

  router.patch('/projects/:id', json, async (req, res) => {
    await userRef(req);
    const body = parse(updateProjectSchema, req.body, 'project');
    res.json(await service.updateProject(req.params.id, body));
  });

  router.delete('/projects/:id', async (req, res) => {
    await userRef(req);
    await service.deleteProject(req.params.id);
    res.status(204).end();
  });

  router.post('/projects/:id/deployments', json, async (req, res) => {
    const by = await userRef(req);
    const body = parse(createDeploymentSchema, req.body, 'deployment');
    const deployment = await service.createDeployment(req.params.id, {
      ref: body.ref,
      createdBy: by,
    });
    res.status(202).json(deployment);
  });

  router.get('/projects/:id/deployments', async (req, res) => {
    await userRef(req);
    const page = parse(pageQuerySchema, req.query, 'query');
    res.json(await service.listDeployments(req.params.id, page));
  });

  router.post('/projects/:id/promote', json, async (req, res) => {
    await userRef(req);
    const body = parse(promoteSchema, req.body, 'promotion');
    res.json(await service.promote(req.params.id, body.deploymentId));
  });

  router.get('/projects/:id/domains', async (req, res) => {
    await userRef(req);
    res.json({ items: await options.domains.list(req.params.id) });
  });

  router.post('/projects/:id/domains', json, async (req, res) => {
    await userRef(req);
    const body = parse(addDomainSchema, req.body, 'domain');
    res
      .status(201)
      .json(await options.domains.add(req.params.id, body.hostname));
  });

  router.post('/projects/:id/domains/:hostname/verify', async (req, res) => {
    await userRef(req);
    const hostname = parse(hostnameSchema, req.params.hostname, 'hostname');
    res.json(await options.domains.verify(req.params.id, hostname));
  });

  router.delete('/projects/:id/domains/:hostname', async (req, res) => {
    await userRef(req);
    const hostname = parse(hostnameSchema, req.params.hostname, 'hostname');
    await options.domains.remove(req.params.id, hostname);
    res.status(204).end();
  });

  router.get('/deployments/:id', async (req, res) => {
    await userRef(req);
    res.json(await service.getDeployment(req.params.id));
  });

  router.post('/deployments/:id/cancel', async (req, res) => {
    const by = await userRef(req);
    res.json(await service.cancelDeployment(req.params.id, by));
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
    const deployment = await service.getDeploymentStatus(req.params.id);
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
