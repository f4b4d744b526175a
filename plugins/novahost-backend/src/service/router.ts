import type { PermissionsService } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  addDomainSchema,
  createDeploymentSchema,
  DEPLOYMENT_TARGETS,
  hostnameSchema,
  novahostProjectCancelPermission,
  novahostProjectDeployPermission,
  novahostProjectPromotePermission,
  novahostProjectReadPermission,
  novahostProjectUpdatePermission,
  novahostRoutesReadPermission,
  pageQuerySchema,
  promoteSchema,
} from '@internal/plugin-novahost-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { EventBus } from '../bus';
import { NovahostDatabase } from '../database/NovahostDatabase';
import type { DeploymentRemoval } from './DeploymentRemoval';
import type { DeploymentService } from './DeploymentService';
import type { DomainService } from './DomainService';
import { createEnvRoutes, EnvRoutesOptions } from './envRoutes';
import { streamDeploymentLogs } from './logStream';
import type { ProjectAccess } from './ProjectAccess';
import { createProjectRoutes, ProjectRoutesOptions } from './projectRoutes';
import { actorRef, jsonBody, RequestGuards } from './requestGuards';
import type { RouteTableService } from './RouteTableService';
import { createEventStream } from './sse';
import { parse } from './validation';
import { createWebhookRoutes, WebhookRoutesOptions } from './webhookRoutes';

export type RouterOptions = ProjectRoutesOptions &
  EnvRoutesOptions & {
    deployments: DeploymentService;
    removal: DeploymentRemoval;
    domains: DomainService;
    routes: RouteTableService;
    db: NovahostDatabase;
    bus: EventBus;
    access: ProjectAccess;
    guards: RequestGuards;
    permissions: PermissionsService;
    /** For GET /projects/:id/webhook (webhookRoutes.ts). */
    discovery: WebhookRoutesOptions['discovery'];
    webhookSecretLocation: WebhookRoutesOptions['webhookSecretLocation'];
  };

const deploymentsQuerySchema = pageQuerySchema.extend({
  target: z.enum(DEPLOYMENT_TARGETS).optional(),
});

const logsQuerySchema = z.object({
  after: z.coerce.number().int().min(0).optional(),
});

/**
 * The public REST API under /api/novahost (users and services). Every
 * route is authorized against the project's owner through the permission
 * framework; every write is audited (guards).
 */
export function createRouter(options: RouterOptions): express.Router {
  const { deployments, domains, routes, guards, permissions } = options;
  const { audited, projectWrite } = guards;
  const router = Router();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.use(createProjectRoutes(options));
  router.use(createWebhookRoutes(options));
  router.use(createEnvRoutes(options));

  router.post(
    '/projects/:id/deployments',
    jsonBody,
    projectWrite(
      'deployment-create',
      'medium',
      novahostProjectDeployPermission,
      async ({ req, res, audit, row, credentials }) => {
        const body = parse(createDeploymentSchema, req.body, 'deployment');
        const deployment = await deployments.create(row.id, {
          ref: body.ref,
          createdBy: actorRef(credentials),
        });
        audit.meta.deploymentId = deployment.id;
        res.status(202).json(deployment);
      },
    ),
  );

  router.get('/projects/:id/deployments', async (req, res) => {
    const { row } = await guards.project(req, novahostProjectReadPermission);
    const query = parse(deploymentsQuerySchema, req.query, 'query');
    res.json(await deployments.list(row.id, query));
  });

  router.post(
    '/projects/:id/promote',
    jsonBody,
    projectWrite(
      'deployment-promote',
      'medium',
      novahostProjectPromotePermission,
      async ({ req, res, audit, row }) => {
        const body = parse(promoteSchema, req.body, 'promotion');
        audit.meta.deploymentId = body.deploymentId;
        res.json(await deployments.promote(row.id, body.deploymentId));
      },
    ),
  );

  router.get('/projects/:id/domains', async (req, res) => {
    const { row } = await guards.project(req, novahostProjectReadPermission);
    res.json({ items: await domains.list(row.id) });
  });

  router.post(
    '/projects/:id/domains',
    jsonBody,
    projectWrite(
      'domain-add',
      'medium',
      novahostProjectUpdatePermission,
      async ({ req, res, audit, row }) => {
        const body = parse(addDomainSchema, req.body, 'domain');
        audit.meta.hostname = body.hostname;
        res.status(201).json(await domains.add(row.id, body.hostname));
      },
    ),
  );

  router.post(
    '/projects/:id/domains/:hostname/verify',
    projectWrite(
      'domain-verify',
      'low',
      novahostProjectUpdatePermission,
      async ({ req, res, row }) => {
        const hostname = parse(hostnameSchema, req.params.hostname, 'hostname');
        res.json(await domains.verify(row.id, hostname));
      },
    ),
  );

  router.delete(
    '/projects/:id/domains/:hostname',
    projectWrite(
      'domain-remove',
      'medium',
      novahostProjectUpdatePermission,
      async ({ req, res, row }) => {
        const hostname = parse(hostnameSchema, req.params.hostname, 'hostname');
        await domains.remove(row.id, hostname);
        res.status(204).end();
      },
    ),
  );

  router.get('/deployments/:id', async (req, res) => {
    const { deployment } = await guards.deployment(
      req,
      novahostProjectReadPermission,
    );
    res.json(await deployments.get(deployment.id));
  });

  router.post(
    '/deployments/:id/cancel',
    audited('deployment-cancel', 'medium', async (req, res, audit) => {
      const { credentials, deployment, project } = await guards.deployment(
        req,
        novahostProjectCancelPermission,
      );
      audit.meta.projectId = project.id;
      res.json(await deployments.cancel(deployment.id, actorRef(credentials)));
    }),
  );

  // Not production (409: promote another first); an unfinished one is
  // canceled first. Its routes, logs and unshared files go with it.
  router.delete(
    '/deployments/:id',
    audited('deployment-delete', 'medium', async (req, res, audit) => {
      const { credentials, deployment, project } = await guards.deployment(
        req,
        novahostProjectUpdatePermission,
      );
      audit.meta.projectId = project.id;
      await options.removal.deleteDeployment(
        deployment,
        project,
        actorRef(credentials),
      );
      res.status(204).end();
    }),
  );

  router.get('/deployments/:id/logs', async (req, res) => {
    const { deployment } = await guards.deployment(
      req,
      novahostProjectReadPermission,
    );
    const query = parse(logsQuerySchema, req.query, 'query');
    const lastEventId = req.header('last-event-id');
    let after = query.after ?? 0;
    if (query.after === undefined && lastEventId !== undefined) {
      after = parse(logsQuerySchema, { after: lastEventId }, 'Last-Event-ID')
        .after!;
    }
    await streamDeploymentLogs({
      req,
      res,
      db: options.db,
      bus: options.bus,
      deployment,
      after,
    });
  });

  // The proxy's view of every project: its static token is granted
  // novahost.routes.read (and nothing else) by its access restrictions.
  const authorizeRoutes = async (req: Request) => {
    const credentials = await guards.credentials(req, ['service']);
    const [decision] = await permissions.authorize(
      [{ permission: novahostRoutesReadPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError('You may not read the routing table');
    }
  };

  router.get('/routes', async (req, res) => {
    await authorizeRoutes(req);
    res.json(await routes.get());
  });

  router.get('/routes/events', async (req, res) => {
    await authorizeRoutes(req);
    const stream = createEventStream(res);
    const off = routes.onChange(table => stream.send('routes', table));
    res.on('close', off);
    stream.send('routes', await routes.get());
  });

  return router;
}

export { actorRef };
