import {
  deleteEnvVarQuerySchema,
  novahostProjectDeployPermission,
  novahostProjectReadPermission,
  novahostProjectUpdatePermission,
  redeploySchema,
} from '@internal/plugin-novahost-common';
import express from 'express';
import Router from 'express-promise-router';
import type { DeploymentLogs } from './DeploymentLogs';
import type { DeploymentService } from './DeploymentService';
import type { EnvService } from './EnvService';
import { redeploy } from './redeploy';
import { actorRef, jsonBody, RequestGuards } from './requestGuards';
import { parse } from './validation';

export type EnvRoutesOptions = {
  env: EnvService;
  deployments: DeploymentService;
  logs: DeploymentLogs;
  guards: RequestGuards;
};

/**
 * /projects/:id/env (list: project read; set and delete: project update,
 * audited without the value) and /deployments/:id/redeploy (deploy), the
 * way changed variables reach a deployment's commit. A secret's value is
 * never in an answer.
 */
export function createEnvRoutes(options: EnvRoutesOptions): express.Router {
  const { env, guards } = options;
  const { audited, projectWrite } = guards;
  const router = Router();

  router.get('/projects/:id/env', async (req, res) => {
    const { row } = await guards.project(req, novahostProjectReadPermission);
    res.json({ items: await env.list(row) });
  });

  router.put(
    '/projects/:id/env/:name',
    jsonBody,
    projectWrite(
      'env-var-set',
      'medium',
      novahostProjectUpdatePermission,
      async ({ req, res, audit, row, credentials }) => {
        const item = await env.set(
          row,
          req.params.name,
          req.body,
          actorRef(credentials),
        );
        audit.meta.targets = item.targets;
        audit.meta.secret = item.secret;
        res.json(item);
      },
    ),
  );

  router.delete(
    '/projects/:id/env/:name',
    projectWrite(
      'env-var-delete',
      'medium',
      novahostProjectUpdatePermission,
      async ({ req, res, audit, row }) => {
        const query = parse(deleteEnvVarQuerySchema, req.query, 'query');
        if (query.target) audit.meta.target = query.target;
        await env.remove(row, req.params.name, query.target);
        res.status(204).end();
      },
    ),
  );

  router.post(
    '/deployments/:id/redeploy',
    jsonBody,
    audited('deployment-redeploy', 'medium', async (req, res, audit) => {
      const { credentials, deployment, project } = await guards.deployment(
        req,
        novahostProjectDeployPermission,
      );
      audit.meta.projectId = project.id;
      const body = parse(redeploySchema, req.body, 'redeploy');
      const created = await redeploy(options, deployment, {
        createdBy: actorRef(credentials),
        cache: body.cache,
      });
      audit.meta.deploymentId = created.id;
      res.status(202).json(created);
    }),
  );

  return router;
}
