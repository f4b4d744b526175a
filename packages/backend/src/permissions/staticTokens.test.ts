import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { isResourcePermission } from '@backstage/plugin-permission-common';
import { novahostPermissions } from '@internal/plugin-novahost-common';
import express from 'express';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import YAML from 'yaml';

/**
 * What the static tokens of the app's config may do on Novahost. Backstage
 * decides a service by its `accessRestrictions` and never asks the policy,
 * so these are decided by config alone: the real auth service reads
 * `backend.auth.externalAccess`, and the real permissions service answers a
 * stand-in `novahost` plugin.
 */
const ROOT = resolve(__dirname, '../../../..');
const appConfig = (file: string) =>
  YAML.parse(readFileSync(resolve(ROOT, file), 'utf8'));

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

type ExternalAccess = Array<{
  options: { token: string; subject: string };
  accessRestrictions?: Array<Record<string, string>>;
}>;

/** Every Novahost permission's decision for `token`, by name. */
async function decisionsFor(externalAccess: ExternalAccess, token: string) {
  const novahost = createBackendPlugin({
    pluginId: 'novahost',
    register(reg) {
      reg.registerInit({
        deps: {
          http: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          permissions: coreServices.permissions,
        },
        async init({ http, httpAuth, permissions }) {
          const router = express.Router();
          router.get('/decisions', async (req, res) => {
            const credentials = await httpAuth.credentials(req);
            const decisions: Record<string, string> = {};
            for (const permission of novahostPermissions) {
              const [d] = isResourcePermission(permission)
                ? await permissions.authorizeConditional([{ permission }], {
                    credentials,
                  })
                : await permissions.authorize([{ permission }], {
                    credentials,
                  });
              decisions[permission.name] = d.result;
            }
            res.json(decisions);
          });
          http.use(router);
        },
      });
    },
  });
  // The auth service keeps its signing keys in the database; one that
  // TestDatabases closes (the default one outlives backend.stop()).
  const knex = await databases.init('SQLITE_3');
  const backend = await startTestBackend({
    features: [
      mockServices.database.factory({ knex }),
      novahost,
      authServiceFactory,
      httpAuthServiceFactory,
      permissionsServiceFactory,
      mockServices.rootConfig.factory({
        data: {
          backend: { auth: { externalAccess } },
          permission: { enabled: true },
        },
      }),
    ],
  });
  try {
    const res = await request(backend.server)
      .get('/api/novahost/decisions')
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    return res.body as Record<string, string>;
  } finally {
    await backend.stop();
  }
}

const onlyRoutes = Object.fromEntries(
  novahostPermissions.map(p => [
    p.name,
    p.name === 'novahost.routes.read' ? 'ALLOW' : 'DENY',
  ]),
);
const everything = Object.fromEntries(
  novahostPermissions.map(p => [p.name, 'ALLOW']),
);

describe('static tokens on Novahost', () => {
  const embedded: ExternalAccess =
    appConfig('app-config.yaml').backend.auth.externalAccess;
  const tokenOf = (subject: string) =>
    embedded.find(e => e.options.subject === subject)!.options.token;

  it('the proxy token of the embedded default reads routes and nothing else', async () => {
    expect(await decisionsFor(embedded, tokenOf('novahost-proxy'))).toEqual(
      onlyRoutes,
    );
  });

  it('the local CLI token may do everything on Novahost', async () => {
    expect(await decisionsFor(embedded, tokenOf('novahost-cli'))).toEqual(
      everything,
    );
  });

  it('the proxy token of production reads routes and nothing else', async () => {
    const production: ExternalAccess = appConfig('app-config.production.yaml')
      .backend.auth.externalAccess;
    // Production has one token, the proxy's, from the environment.
    expect(production.map(e => e.options)).toEqual([
      { token: '${NOVAHOST_PROXY_TOKEN}', subject: 'novahost-proxy' },
    ]);
    const token = 'a-production-proxy-token';
    production[0].options.token = token;
    expect(await decisionsFor(production, token)).toEqual(onlyRoutes);
  });
});
