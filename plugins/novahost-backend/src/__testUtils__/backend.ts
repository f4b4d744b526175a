import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { BackendFeature } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import eventsPlugin from '@backstage/plugin-events-backend';
import { eventsServiceFactory } from '@backstage/plugin-events-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import fs from 'fs';
import { Knex } from 'knex';
import { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { novahostPlugin } from '../plugin';
import { createSiteRepo, SiteRepoOptions } from './repo';
import { readEvents, SseEvent } from './sse';

/** Request headers of a signed-in user and of another backend service. */
export const user = { Authorization: mockCredentials.user.header() };
export const service = { Authorization: mockCredentials.service.header() };

/** The machine's Redis, as `make test` and CI provide it. */
export const REDIS_URL =
  process.env.BACKSTAGE_TEST_CACHE_REDIS7_CONNECTION_STRING ??
  'redis://127.0.0.1:6379';

/** A deployment as the API returns it; tests read whatever field they check. */
export type Deployment = { id: string; status: string; [key: string]: any };

export type NovahostTestBackend = Awaited<
  ReturnType<typeof startNovahostTestBackend>
>;

/**
 * Starts the Novahost backend plugin in a test backend and returns it with
 * the calls the suites make over HTTP.
 *
 * `novahost` is the plugin's config block; its `store` defaults to a fresh
 * local directory (`storeDir`), or to `storeDir` when given, so that
 * replicas and restarts can share one. Without `knex` the test backend's
 * in-memory SQLite is used.
 */
export async function startNovahostTestBackend(
  options: {
    novahost?: Record<string, unknown>;
    knex?: Knex;
    storeDir?: string;
    /** More features, e.g. a scheduler mock to trigger tasks on demand. */
    features?: BackendFeature[];
    /** The catalog the plugin reads entity owners from (empty by default). */
    catalogEntities?: Entity[];
    /** More top-level app config, e.g. `integrations`. */
    config?: Record<string, unknown>;
    /**
     * Also run the events backend with its GitHub module (deliveries at
     * /api/events/http/github, checked against
     * `events.modules.github.webhookSecret` of `config`) and the real
     * events service, through which the plugins exchange events.
     */
    events?: boolean;
  } = {},
) {
  const ownStoreDir = !options.storeDir;
  const storeDir =
    options.storeDir ??
    fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-store-'));
  const backend = await startTestBackend({
    features: [
      novahostPlugin,
      catalogServiceMock.factory({ entities: options.catalogEntities ?? [] }),
      ...(options.knex
        ? [mockServices.database.factory({ knex: options.knex })]
        : []),
      mockServices.rootConfig.factory({
        data: {
          ...options.config,
          // Events stay in this process: the events backend's bus would hold
          // a long poll open that delays the backend's stop by a minute.
          ...(options.events
            ? {
                events: {
                  useEventBus: 'never',
                  ...(options.config?.events as object | undefined),
                },
              }
            : {}),
          novahost: {
            store: { type: 'local', local: { directory: storeDir } },
            ...options.novahost,
          },
        },
      }),
      ...(options.events
        ? [eventsPlugin, ...githubEventsModules(), eventsServiceFactory]
        : []),
      ...(options.features ?? []),
    ],
  });
  const port = (backend.server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}/api/novahost`;
  const api = request(backend.server);

  const getDeployment = async (deploymentId: string): Promise<Deployment> =>
    (await api.get(`/api/novahost/deployments/${deploymentId}`).set(user)).body;

  const createProject = async (body: object) => {
    const res = await api.post('/api/novahost/projects').set(user).send(body);
    if (res.status !== 201) {
      throw new Error(`Project not created: ${res.status} ${res.text}`);
    }
    return res.body;
  };

  const createSiteProject = async (
    name: string,
    site: SiteRepoOptions,
    fields: object = {},
  ) => {
    const repo = createSiteRepo(site);
    const project = await createProject({ name, repoUrl: repo.dir, ...fields });
    return { repo, project };
  };

  const deploy = async (
    projectId: string,
    body: object = {},
  ): Promise<Deployment> =>
    (
      await api
        .post(`/api/novahost/projects/${projectId}/deployments`)
        .set(user)
        .send(body)
    ).body;

  /** Reads an SSE stream of the plugin, by default up to its `finish`. */
  const events = (
    urlPath: string,
    opts: {
      headers?: Record<string, string>;
      until?: (e: SseEvent, all: SseEvent[]) => boolean;
      timeoutMs?: number;
    } = {},
  ): Promise<SseEvent[]> =>
    readEvents(`${baseUrl}${urlPath}`, opts.headers ?? user, {
      until: opts.until ?? (e => e.event === 'finish'),
      timeoutMs: opts.timeoutMs,
    });

  return {
    backend,
    /** supertest on the backend's server: paths start with /api/novahost. */
    api,
    /** The plugin's base URL, for clients that need a real URL (SSE). */
    baseUrl,
    storeDir,
    async stop() {
      await backend.stop();
      if (ownStoreDir) fs.rmSync(storeDir, { recursive: true, force: true });
    },

    /** Creates a project as the user; throws unless it is created. */
    createProject,

    /** A fresh site repository and a project that builds it. */
    createSiteProject,

    /** A site project, as createSiteProject makes it, with one deployment queued. */
    async deploySite(name: string, site: SiteRepoOptions, fields: object = {}) {
      const { repo, project } = await createSiteProject(name, site, fields);
      return { repo, project, deployment: await deploy(project.id) };
    },

    /** Queues a deployment of a project and returns it as created. */
    deploy,

    getDeployment,

    /**
     * Polls a deployment until `predicate` holds; `onPoll` runs between
     * polls (e.g. to trigger a scheduled task).
     */
    async waitForDeployment(
      deploymentId: string,
      predicate: (d: Deployment) => unknown,
      opts: {
        timeoutMs?: number;
        intervalMs?: number;
        onPoll?: () => Promise<void>;
      } = {},
    ): Promise<Deployment> {
      const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
      for (;;) {
        const d = await getDeployment(deploymentId);
        if (predicate(d)) return d;
        if (Date.now() > deadline) {
          throw new Error(`Deployment still ${JSON.stringify(d)}`);
        }
        await new Promise(r => setTimeout(r, opts.intervalMs ?? 100));
        await opts.onPoll?.();
      }
    },

    events,

    /** A deployment's log stream, by default up to its `finish`. */
    logs(
      deploymentId: string,
      opts: {
        headers?: Record<string, string>;
        query?: string;
        until?: (e: SseEvent, all: SseEvent[]) => boolean;
        timeoutMs?: number;
      } = {},
    ): Promise<SseEvent[]> {
      return events(
        `/deployments/${deploymentId}/logs${opts.query ?? ''}`,
        opts,
      );
    },
  };
}

/**
 * The two modules of @backstage/plugin-events-backend-module-github (the
 * signature-checking `/http/github` ingress and the router to
 * `github.<event>`), from the package itself. Its default export loads
 * them with a dynamic import(), which Jest runs only under
 * --experimental-vm-modules; the backend adds the package as usual.
 */
function githubEventsModules(): BackendFeature[] {
  const dir = path.dirname(
    require.resolve(
      '@backstage/plugin-events-backend-module-github/package.json',
    ),
  );
  return [
    'dist/service/eventsModuleGithubWebhook.cjs.js',
    'dist/service/eventsModuleGithubEventRouter.cjs.js',
  ].map(file => require(path.join(dir, file)).default);
}

/** The text of a stream's log events, in order. */
export const logTexts = (events: SseEvent[]): string[] =>
  events.filter(e => e.event === 'log').map(e => e.data.text);
