import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { argocdActionsPermissions } from '@internal/plugin-argocd-common';
import { ArgoCDActionsClient } from './ArgoCDActionsClient';
import { readArgoInstances } from './config';
import { createRouter } from './router';

/**
 * Sync and refresh of ArgoCD applications, at /api/argocd-actions. The
 * community ArgoCD backend serves the read side; this plugin adds the two
 * writes it lacks, each a permission on the catalog entity.
 * @public
 */
export const argocdActionsPlugin = createBackendPlugin({
  pluginId: 'argocd-actions',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        catalog: catalogServiceRef,
      },
      async init(deps) {
        const instances = readArgoInstances(deps.config, m =>
          deps.logger.warn(m),
        );
        deps.logger.info(
          instances.length
            ? `ArgoCD actions for instances: ${instances
                .map(i => i.name)
                .join(', ')}`
            : 'No ArgoCD instance configured; sync and refresh are unavailable',
        );
        deps.permissionsRegistry.addPermissions(argocdActionsPermissions);
        const timeoutSeconds =
          deps.config.getOptionalNumber(
            'argocd.actions.requestTimeoutSeconds',
          ) ?? 15;
        deps.httpRouter.use(
          await createRouter({
            instances,
            client: new ArgoCDActionsClient(deps.logger, timeoutSeconds * 1000),
            catalog: deps.catalog,
            httpAuth: deps.httpAuth,
            permissions: deps.permissions,
            auditor: deps.auditor,
          }),
        );
      },
    });
  },
});
