import {
  AuditorService,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  ArgoActionResponse,
  ArgoApplication,
  argocdApplicationRefreshPermission,
  argocdApplicationSyncPermission,
  getArgocdAnnotations,
} from '@internal/plugin-argocd-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { ArgoCDActionsClient } from './ArgoCDActionsClient';
import { ArgoInstance } from './config';

const bodySchema = z.object({
  /** The catalog entity whose `argocd/app-name` names the application. */
  entityRef: z.string().min(1),
  /** Needed only when the entity has no `argocd/instance-name` and several instances are configured. */
  instance: z.string().min(1).optional(),
  /** Refresh only: `hard` also invalidates ArgoCD's manifest cache. */
  hard: z.boolean().optional(),
});

export type RouterOptions = {
  instances: ArgoInstance[];
  client: ArgoCDActionsClient;
  catalog: CatalogService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
};

/**
 * POST /applications/:appName/sync and /applications/:appName/refresh.
 *
 * The application must be the one the given entity is annotated with, the
 * caller must be able to read that entity, and the permission policy must
 * allow the action on it. Only then is ArgoCD called, with the instance's
 * token: the user's own identity never reaches ArgoCD.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { instances, client, catalog, httpAuth, permissions, auditor } =
    options;
  const router = Router();
  router.use(express.json({ limit: '16kb' }));

  const resolve = async (
    req: express.Request,
    permission: ResourcePermission<'catalog-entity'>,
  ) => {
    const parsed = bodySchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      throw new InputError(parsed.error.issues.map(i => i.message).join('; '));
    }
    const { entityRef, instance: requested } = parsed.data;
    let ref: string;
    try {
      ref = stringifyEntityRef(parseEntityRef(entityRef));
    } catch (e) {
      throw new InputError(`Invalid entityRef: ${(e as Error).message}`);
    }
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const entity = await catalog.getEntityByRef(ref, { credentials });
    if (!entity) {
      throw new NotFoundError(`No entity ${ref}`);
    }
    const annotations = getArgocdAnnotations(entity);
    const appName = req.params.appName;
    if (!annotations || annotations.appName !== appName) {
      throw new InputError(
        `Entity ${ref} is not annotated with argocd/app-name: ${appName}`,
      );
    }
    const instance = pickInstance(
      instances,
      annotations.instanceName,
      requested,
    );
    const [decision] = await permissions.authorize(
      [{ permission, resourceRef: ref }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Not allowed to ${permission.name
          .split('.')
          .pop()} ${appName} (${ref})`,
      );
    }
    return { appName, instance, hard: parsed.data.hard ?? false, ref };
  };

  /** A sync or refresh: authorized on the entity, audited, answered with the app. */
  const action =
    (spec: {
      eventId: string;
      severityLevel: 'low' | 'medium';
      permission: ResourcePermission<'catalog-entity'>;
      run: (
        target: Awaited<ReturnType<typeof resolve>>,
      ) => Promise<ArgoApplication>;
    }) =>
    async (req: express.Request, res: express.Response) => {
      const event = await auditor.createEvent({
        eventId: spec.eventId,
        severityLevel: spec.severityLevel,
        request: req,
        meta: { appName: req.params.appName },
      });
      try {
        const target = await resolve(req, spec.permission);
        const app = await spec.run(target);
        await event.success({
          meta: { instance: target.instance.name, entity: target.ref },
        });
        res.json(toResponse(target.instance, target.appName, app));
      } catch (error) {
        await event.fail({ error: error as Error });
        throw error;
      }
    };

  router.post(
    '/applications/:appName/sync',
    action({
      eventId: 'application-sync',
      severityLevel: 'medium',
      permission: argocdApplicationSyncPermission,
      run: ({ instance, appName }) => client.sync(instance, appName),
    }),
  );

  router.post(
    '/applications/:appName/refresh',
    action({
      eventId: 'application-refresh',
      severityLevel: 'low',
      permission: argocdApplicationRefreshPermission,
      run: ({ instance, appName, hard }) =>
        client.refresh(instance, appName, hard),
    }),
  );

  return router;
}

function pickInstance(
  instances: ArgoInstance[],
  annotated: string | undefined,
  requested: string | undefined,
): ArgoInstance {
  if (annotated && requested && annotated !== requested) {
    throw new InputError(
      `The entity's application lives on instance '${annotated}', not '${requested}'`,
    );
  }
  const name = annotated ?? requested;
  if (name) {
    const found = instances.find(i => i.name === name);
    if (!found) {
      throw new NotFoundError(`No ArgoCD instance '${name}' is configured`);
    }
    return found;
  }
  if (instances.length === 1) {
    return instances[0];
  }
  throw new InputError(
    instances.length
      ? 'Several ArgoCD instances are configured: name one (argocd/instance-name or instance)'
      : 'No ArgoCD instance is configured (argocd.appLocatorMethods)',
  );
}

function toResponse(
  instance: ArgoInstance,
  appName: string,
  app: {
    status?: {
      sync?: { status?: string };
      health?: { status?: string };
      operationState?: { phase?: string };
    };
    operation?: unknown;
  },
): ArgoActionResponse {
  return {
    instance: instance.name,
    application: appName,
    syncStatus: app.status?.sync?.status ?? 'Unknown',
    healthStatus: app.status?.health?.status ?? 'Unknown',
    operationPhase: app.status?.operationState?.phase,
  };
}
