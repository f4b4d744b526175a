import {
  DatabaseService,
  DiscoveryService,
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { readSiteUrlOptions } from '@internal/plugin-novahost-common';
import { eventBusFromConfig } from '../bus';
import { openDatabase } from '../database/migrations';
import { NovahostDatabase } from '../database/NovahostDatabase';
import { buildRunnerFromConfig } from '../runners';
import { artifactStoreFromConfig } from '../stores';
import { NovahostService } from './NovahostService';
import { RouteTableService } from './RouteTableService';
import { DomainService, txtResolver } from './DomainService';
import { createRouter } from './router';

/** Wires the configured database, store, runner and bus into the service and router. */
export async function createNovahost(deps: {
  config: Config;
  logger: LoggerService;
  database: DatabaseService;
  discovery: DiscoveryService;
  httpAuth: HttpAuthService;
}) {
  const { config, logger } = deps;
  const db = new NovahostDatabase(await openDatabase(deps.database));
  const store = artifactStoreFromConfig(config, logger);
  await store.checkReady();
  const runner = await buildRunnerFromConfig(config, deps);
  const bus = eventBusFromConfig(config, logger);
  const runnerType =
    config.getOptionalString('novahost.runner.type') ?? 'local';
  const buildApiUrl =
    config.getOptionalString(`novahost.runner.${runnerType}.apiUrl`) ??
    (await deps.discovery.getBaseUrl('novahost'));

  const service = new NovahostService({
    db,
    store,
    runner,
    bus,
    logger,
    urls: readSiteUrlOptions(config),
    buildApiUrl: buildApiUrl.replace(/\/+$/, ''),
    allowLocalRepos: runnerType === 'local',
    concurrency: config.getOptionalNumber('novahost.builds.concurrency') ?? 2,
    timeoutSeconds:
      config.getOptionalNumber('novahost.builds.timeoutSeconds') ?? 900,
    maxFileBytes:
      config.getOptionalNumber('novahost.builds.maxFileBytes') ?? 100 * 2 ** 20,
    maxFiles: config.getOptionalNumber('novahost.builds.maxFiles') ?? 20_000,
  });
  const domains = new DomainService({
    db,
    service,
    urls: readSiteUrlOptions(config),
    resolveTxt: txtResolver(
      config.getOptionalStringArray('novahost.domains.dnsServers'),
    ),
  });
  const routes = new RouteTableService(db, bus, logger);
  await routes.start();
  const router = await createRouter({
    service,
    domains,
    routes,
    db,
    bus,
    httpAuth: deps.httpAuth,
    logger,
  });
  return {
    service,
    router,
    async close() {
      await service
        .shutdown()
        .catch(e =>
          logger.warn(`Novahost shutdown could not fail running builds: ${e}`),
        );
      routes.stop();
      await runner.close();
      await bus.close();
    },
  };
}
