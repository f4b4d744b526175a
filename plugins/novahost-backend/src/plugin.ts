import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  ArtifactStore,
  BuildRunner,
  novahostRunnerExtensionPoint,
  novahostStoreExtensionPoint,
} from '@internal/plugin-novahost-node';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { createNovahost } from './service/createNovahost';
import { GIT_TOPICS } from './service/webhooks/GitEventHandler';

/**
 * Novahost: projects, deployments, builds, artifacts and build logs.
 *
 * @public
 */
export const novahostPlugin = createBackendPlugin({
  pluginId: 'novahost',
  register(env) {
    // Modules may replace the configured store or runner (one each).
    let store: ArtifactStore | undefined;
    let runner: BuildRunner | undefined;
    env.registerExtensionPoint(novahostStoreExtensionPoint, {
      setStore(s) {
        if (store)
          throw new Error('The Novahost artifact store was already set');
        store = s;
      },
    });
    env.registerExtensionPoint(novahostRunnerExtensionPoint, {
      setRunner(r) {
        if (runner)
          throw new Error('The Novahost build runner was already set');
        runner = r;
      },
    });
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        discovery: coreServices.discovery,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        auditor: coreServices.auditor,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        userInfo: coreServices.userInfo,
        catalog: catalogServiceRef,
        events: eventsServiceRef,
        httpRouter: coreServices.httpRouter,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
      },
      async init(deps) {
        const novahost = await createNovahost(deps, { store, runner });
        deps.httpRouter.use(novahost.router);
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
        // The build program's API checks its own per-build tokens.
        deps.httpRouter.use(novahost.internalRouter);
        deps.httpRouter.addAuthPolicy({
          path: '/internal',
          allow: 'unauthenticated',
        });
        await deps.scheduler.scheduleTask({
          id: 'novahost-reconcile',
          frequency: { seconds: 5 },
          timeout: { minutes: 1 },
          scope: 'local',
          fn: () => novahost.dispatcher.reconcile(),
        });
        // Catalog-linked projects follow their entity's owner (one replica).
        await deps.scheduler.scheduleTask({
          id: 'novahost-catalog-owners',
          frequency: {
            seconds:
              deps.config.getOptionalNumber(
                'novahost.catalog.ownerSyncIntervalSeconds',
              ) ?? 60,
          },
          timeout: { minutes: 2 },
          initialDelay: { seconds: 15 },
          scope: 'global',
          fn: async () => {
            await novahost.catalogOwners.sync();
          },
        });
        // GitHub deliveries, once the events backend checked their signature
        // and its GitHub module routed them to github.<event>.
        const { gitEvents } = novahost;
        if (gitEvents) {
          await deps.events.subscribe({
            id: 'novahost-git',
            topics: GIT_TOPICS,
            onEvent: params => gitEvents.onEvent(params),
          });
        }
        // Old deployments, closed previews and webhook deliveries (one replica).
        const { retention } = novahost;
        if (retention.settings.enabled) {
          await deps.scheduler.scheduleTask({
            id: 'novahost-retention',
            frequency: { minutes: retention.settings.intervalMinutes },
            timeout: { minutes: 30 },
            initialDelay: { minutes: 1 },
            scope: 'global',
            fn: async signal => {
              await retention.run(signal);
            },
          });
        }
        deps.lifecycle.addStartupHook(() => novahost.dispatcher.failOrphans());
        deps.lifecycle.addShutdownHook(() => novahost.close());
      },
    });
  },
});
