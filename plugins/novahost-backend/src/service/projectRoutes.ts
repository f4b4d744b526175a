import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError } from '@backstage/errors';
import {
  createProjectSchema,
  novahostProjectCreatePermission,
  novahostProjectDeletePermission,
  novahostProjectReadPermission,
  novahostProjectUpdatePermission,
  ownerRefSchema,
  pageQuerySchema,
  updateProjectSchema,
} from '@internal/plugin-novahost-common';
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import type { CatalogOwnerSync } from './CatalogOwnerSync';
import type { ProjectAccess } from './ProjectAccess';
import type { ProjectService } from './ProjectService';
import { jsonBody, RequestGuards } from './requestGuards';
import { parse } from './validation';

export type ProjectRoutesOptions = {
  projects: ProjectService;
  access: ProjectAccess;
  guards: RequestGuards;
  catalogOwners: CatalogOwnerSync;
  logger: LoggerService;
};

const listQuerySchema = pageQuerySchema.extend({
  owner: ownerRefSchema.optional(),
  search: z.string().max(100).optional(),
});

/** /projects and /projects/:id: list, create, read, change, delete. */
export function createProjectRoutes(
  options: ProjectRoutesOptions,
): express.Router {
  const { projects, access, guards, catalogOwners, logger } = options;
  const { audited, projectWrite } = guards;
  const router = Router();

  /**
   * The owner of a new project. A catalog entity's owner wins (the project
   * follows it from then on); otherwise the requested owner, or the caller.
   */
  const ownerForNew = async (
    credentials: BackstageCredentials,
    body: { owner?: string; entityRef?: string },
  ): Promise<string> => {
    if (body.entityRef) {
      const fromCatalog = await catalogOwners
        .ownerOf(body.entityRef)
        .catch(e => {
          logger.warn(
            `Could not read ${body.entityRef} from the catalog; using the requested owner: ${e}`,
          );
          return undefined;
        });
      if (fromCatalog && body.owner && body.owner !== fromCatalog) {
        throw new InputError(
          `owner: the catalog entity ${body.entityRef} is owned by ${fromCatalog}, not ${body.owner}`,
        );
      }
      if (fromCatalog) return fromCatalog;
    }
    return access.defaultOwner(credentials, body.owner);
  };

  router.get('/projects', async (req, res) => {
    const credentials = await guards.credentials(req);
    const query = parse(listQuerySchema, req.query, 'query');
    const filter = await access.readFilter(credentials);
    if (filter === null) {
      res.json({ items: [], totalCount: 0, ...query });
      return;
    }
    res.json(await projects.list({ ...query, filter }));
  });

  router.post(
    '/projects',
    jsonBody,
    audited('project-create', 'medium', async (req, res, audit) => {
      const credentials = await guards.credentials(req);
      const body = parse(createProjectSchema, req.body, 'project');
      const owner = await ownerForNew(credentials, body);
      audit.meta.owner = owner;
      await access.authorize(credentials, novahostProjectCreatePermission, {
        id: '',
        owner,
      });
      const project = await projects.create({ ...body, owner });
      audit.meta.projectId = project.id;
      res.status(201).json(project);
    }),
  );

  router.get('/projects/:id', async (req, res) => {
    const { row } = await guards.project(req, novahostProjectReadPermission);
    res.json(await projects.get(row.id));
  });

  router.patch(
    '/projects/:id',
    jsonBody,
    projectWrite(
      'project-update',
      'medium',
      novahostProjectUpdatePermission,
      async ({ req, res, audit, row, credentials }) => {
        const body = parse(updateProjectSchema, req.body, 'project');
        audit.meta.changed = Object.keys(body);
        if (body.owner !== undefined && body.owner !== row.owner) {
          if (row.entity_ref) {
            throw new ConflictError(
              `The owner of '${row.slug}' follows its catalog entity ${row.entity_ref}: change spec.owner there`,
            );
          }
          // Handing a project over: the caller must also be allowed to
          // manage it under its new owner.
          await access.authorize(credentials, novahostProjectUpdatePermission, {
            ...row,
            owner: body.owner,
          });
          audit.meta.owner = body.owner;
        }
        res.json(await projects.update(row.id, body));
      },
    ),
  );

  router.delete(
    '/projects/:id',
    projectWrite(
      'project-delete',
      'high',
      novahostProjectDeletePermission,
      async ({ res, row }) => {
        await projects.delete(row.id);
        res.status(204).end();
      },
    ),
  );

  return router;
}
