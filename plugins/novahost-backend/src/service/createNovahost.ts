import {
  AuditorService,
  AuthService,
  DatabaseService,
  DiscoveryService,
  HttpAuthService,
  LoggerService,
  PermissionsRegistryService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { Config } from '@backstage/config';
import { NotFoundError } from '@backstage/errors';
import { readSiteUrlOptions } from '@internal/plugin-novahost-common';
import { eventBusFromConfig } from '../bus';
import { openDatabase } from '../database/migrations';
import { NovahostDatabase } from '../database/NovahostDatabase';
import { buildRunnerFromConfig } from '../runners';
import {
  ArtifactStore,
  BuildRunner,
  artifactStoreFromConfig,
  novahostProjectPermissionResourceRef,
  novahostProjectRules,
} from '@internal/plugin-novahost-node';
import { novahostPermissions } from '@internal/plugin-novahost-common';
import { ArtifactGc } from './ArtifactGc';
import { CatalogOwnerSync } from './CatalogOwnerSync';
import { BuildSession, DRAIN_LOGS_MS } from './BuildSession';
import { BuildCacheService } from './buildCache/BuildCacheService';
import { readBuildCacheSettings } from './buildCache/settings';
import { DeploymentLogs } from './DeploymentLogs';
import { DeploymentRemoval } from './DeploymentRemoval';
import { DeploymentService } from './DeploymentService';
import { DeploymentStateMachine } from './DeploymentStateMachine';
import { Dispatcher } from './Dispatcher';
import { DomainService, txtResolver } from './DomainService';
import { EnvService } from './EnvService';
import { GitCredentials } from './GitCredentials';
import { GithubApi } from './github/GithubApi';
import { GithubFeedback } from './github/GithubFeedback';
import { createInternalRouter } from './internalRouter';
import { readLimits } from './limits';
import { ProjectAccess } from './ProjectAccess';
import { ProjectService } from './ProjectService';
import { readRetentionSettings, Retention } from './Retention';
import { createRequestGuards } from './requestGuards';
import { RouteTableService } from './RouteTableService';
import { createRouter } from './router';
import { secretBoxFromConfig } from './secrets/keys';
import { GitDeploys } from './webhooks/GitDeploys';
import { GitEventHandler } from './webhooks/GitEventHandler';
import { webhookSecretLocation } from './webhooks/secret';

/**
 * Wires the configured database, store, runner and bus into the services
 * and the two routers (public API; the build program's /internal API). A
 * store or runner set through the extension points replaces the configured one.
 */
export async function createNovahost(
  deps: {
    config: Config;
    logger: LoggerService;
    database: DatabaseService;
    discovery: DiscoveryService;
    httpAuth: HttpAuthService;
    auth: AuthService;
    auditor: AuditorService;
    permissions: PermissionsService;
    permissionsRegistry: PermissionsRegistryService;
    userInfo: UserInfoService;
    catalog: CatalogService;
  },
  overrides: { store?: ArtifactStore; runner?: BuildRunner } = {},
) {
  const { config, logger } = deps;
  const db = new NovahostDatabase(await openDatabase(deps.database));
  const store = overrides.store ?? artifactStoreFromConfig(config, logger);
  await store.checkReady();
  const runner =
    overrides.runner ?? (await buildRunnerFromConfig(config, deps));
  const bus = eventBusFromConfig(config, logger);
  const runnerType =
    config.getOptionalString('novahost.runner.type') ?? 'local';
  const buildApiUrl =
    config.getOptionalString(`novahost.runner.${runnerType}.apiUrl`) ??
    (await deps.discovery.getBaseUrl('novahost'));
  const urls = readSiteUrlOptions(config);
  const builds = {
    concurrency: config.getOptionalNumber('novahost.builds.concurrency') ?? 2,
    timeoutSeconds:
      config.getOptionalNumber('novahost.builds.timeoutSeconds') ?? 900,
    maxFileBytes:
      config.getOptionalNumber('novahost.builds.maxFileBytes') ?? 100 * 2 ** 20,
    maxFiles: config.getOptionalNumber('novahost.builds.maxFiles') ?? 20_000,
  };
  const limits = readLimits(config);

  // Clone credentials from the app's `integrations`; masked in every line.
  const gitCredentials = GitCredentials.fromConfig(config, logger);
  // Project variables; a stored secret no configured key opens stops here.
  const env = new EnvService({
    db,
    box: secretBoxFromConfig(config, logger),
    logger,
    urls,
  });
  await env.start();
  const logs = new DeploymentLogs(
    db,
    bus,
    limits.log,
    () => gitCredentials.secrets(),
    id => env.masks.forms(id),
  );
  const machine = new DeploymentStateMachine({ db, logs, bus });
  const dispatcher = new Dispatcher({ db, machine, runner, logger, ...builds });
  // A finished build frees a slot: start the next queued one.
  const kick = () => void dispatcher.kick();
  machine.onSlotFreed(kick);
  // GitHub's REST API for repositories on the app's integrations.github.
  const github = GithubApi.fromConfig(config, logger);
  // Commit statuses and the pull request comment follow every move.
  const githubFeedback = GithubFeedback.fromConfig(config, {
    db,
    github,
    logger,
    urls,
    secrets: () => gitCredentials.secrets(),
  });
  machine.onChange(row => githubFeedback.report(row));
  // A build's GitHub App token is revoked once its deployment ended.
  machine.onChange(row => gitCredentials.deploymentChanged(row));
  const stopBuild = dispatcher.stopBuild.bind(dispatcher);
  const gc = new ArtifactGc({ db, store });
  const caches = new BuildCacheService({
    db,
    store: store.caches,
    project: async id => {
      const row = await db.getProject(id);
      if (!row) throw new NotFoundError(`Project ${id} not found`);
      return row;
    },
    settings: readBuildCacheSettings(config),
    buildApiUrl: buildApiUrl.replace(/\/+$/, ''),
    logger,
  });
  const projects = new ProjectService({
    caches,
    db,
    bus,
    gc,
    logger,
    urls,
    allowLocalRepos: runnerType === 'local',
    allowsPlainHttp: url => gitCredentials.allowsPlainHttp(url),
    stopBuild,
  });
  await projects.backfillRepoKeys();
  const deployments = new DeploymentService({
    db,
    bus,
    projects,
    machine,
    logs,
    urls,
    kick,
    stopBuild,
    maxQueuedPerUser: limits.maxQueuedPerUser,
  });
  const removal = new DeploymentRemoval({
    db,
    bus,
    gc,
    logger,
    cancel: (id, by) => deployments.cancel(id, by),
  });
  const retention = new Retention({
    db,
    removal,
    logger,
    settings: readRetentionSettings(config),
  });
  const buildSession = new BuildSession({
    db,
    store,
    machine,
    logs,
    projects,
    urls,
    buildApiUrl: buildApiUrl.replace(/\/+$/, ''),
    repoAccess: (url, id) => gitCredentials.forRepo(url, id),
    buildEnv: (row, project) => env.forBuild(row, project),
    ...builds,
    maxOutputBytes: limits.maxOutputBytes,
    maxProjectStoredBytes: limits.maxProjectStoredBytes,
    drainLogs: runner.drainLogs
      ? id => runner.drainLogs!(id, DRAIN_LOGS_MS)
      : undefined,
  });
  // Build output a runner collects itself (on Kubernetes the log of the
  // build container, which holds no token) takes the program's way in, with
  // the same limits and redaction; that container has no token to leak.
  runner.setLogSink?.(async (id, lines) => {
    const row = await db.getDeployment(id);
    if (row) await buildSession.appendLogs(row, lines, '');
  });
  const domains = new DomainService({
    db,
    projects,
    bus,
    urls,
    resolveTxt: txtResolver(
      config.getOptionalStringArray('novahost.domains.dnsServers'),
    ),
  });
  // The novahost-project resource type: policies answer CONDITIONAL with
  // its rules; the permission backend applies them through getResources.
  deps.permissionsRegistry.addPermissions(novahostPermissions);
  deps.permissionsRegistry.addResourceType({
    resourceRef: novahostProjectPermissionResourceRef,
    permissions: novahostPermissions.filter(p => p.type === 'resource'),
    rules: novahostProjectRules,
    getResources: async ids => {
      const rows = new Map((await db.getProjects(ids)).map(r => [r.id, r]));
      return ids.map(id => rows.get(id));
    },
  });
  const access = new ProjectAccess(deps);
  const catalogOwners = new CatalogOwnerSync({ ...deps, db });
  const guards = createRequestGuards({
    ...deps,
    access,
    projects,
    deployments,
  });
  const routes = new RouteTableService(db, bus, logger);
  await routes.start();
  // GitHub deliveries the events backend checked (plugin.ts subscribes):
  // only with a webhook secret, else anyone could forge them.
  const webhookSecret = webhookSecretLocation(config);
  const gitEvents = webhookSecret
    ? new GitEventHandler({
        db,
        projects,
        github,
        logger,
        deploys: new GitDeploys({ db, bus, deployments }),
      })
    : undefined;
  if (!gitEvents) {
    logger.info(
      'GitHub webhooks are off: set events.modules.github.webhookSecret (GITHUB_WEBHOOK_SECRET) to deploy on push',
    );
  }
  return {
    dispatcher,
    catalogOwners,
    retention,
    gitEvents,
    router: createRouter({
      projects,
      deployments,
      removal,
      domains,
      routes,
      db,
      bus,
      access,
      guards,
      catalogOwners,
      logger,
      permissions: deps.permissions,
      discovery: deps.discovery,
      webhookSecretLocation: webhookSecret,
      env,
      logs,
    }),
    internalRouter: createInternalRouter({ builds: buildSession, caches }),
    async close() {
      await dispatcher
        .shutdown()
        .catch(e => logger.warn('Shutdown could not fail running builds', e));
      await routes.stop();
      await runner.close();
      await githubFeedback.idle(5_000);
      await bus.close();
    },
  };
}
