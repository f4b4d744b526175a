import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  ArgoApplication,
  summarizeApplication,
} from '@internal/plugin-argocd-common';
import argocdBackend from '@backstage-community/plugin-argocd-backend';
import permissionBackend from '@backstage/plugin-permission-backend';
import request from 'supertest';
import argocdActionsPlugin from './index';
import { startFakeArgoCD, unreachableUrl } from './__testUtils__/fakeArgoCD';

const TOKEN = 'argocd-api-token';

function component(name: string, annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', lifecycle: 'production', owner: 'group:platform' },
  };
}

const entities = [
  component('novahost-portal', {
    'argocd/app-name': 'novahost-portal',
    'argocd/instance-name': 'main',
  }),
  component('novahost-proxy', {
    'argocd/app-name': 'novahost-proxy',
    'argocd/instance-name': 'main',
  }),
  component('novahost-builds', { 'argocd/app-name': 'novahost-builds' }),
  component('novahost-docs', {
    'argocd/app-name': 'novahost-docs',
    'argocd/instance-name': 'down',
  }),
  component('no-argocd', {}),
];

/** The deny path: viewers may refresh but never sync; nobody may sync novahost-builds. */
const testPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'test-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy({
          async handle(req, user) {
            const who = user?.info.userEntityRef;
            if (
              req.permission.name === 'argocd.application.sync' &&
              who === 'user:default/viewer'
            ) {
              return { result: AuthorizeResult.DENY };
            }
            return { result: AuthorizeResult.ALLOW };
          },
        });
      },
    });
  },
});

describe('ArgoCD views and actions against a simulated ArgoCD', () => {
  let argo: Awaited<ReturnType<typeof startFakeArgoCD>>;
  let server: any;
  let stop: () => Promise<void>;
  const alice = mockCredentials.user.header('user:default/alice');
  const viewer = mockCredentials.user.header('user:default/viewer');

  beforeAll(async () => {
    argo = await startFakeArgoCD({ token: TOKEN });
    const backend = await startTestBackend({
      features: [
        argocdBackend,
        argocdActionsPlugin,
        permissionBackend,
        testPolicy,
        catalogServiceMock.factory({ entities }),
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.none(),
        }),
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            argocd: {
              actions: { requestTimeoutSeconds: 2 },
              appLocatorMethods: [
                {
                  type: 'config',
                  instances: [
                    { name: 'main', url: `${argo.url}/`, token: TOKEN },
                    { name: 'down', url: await unreachableUrl(), token: 'x' },
                  ],
                },
              ],
            },
          },
        }),
      ],
    });
    server = backend.server;
    stop = () => backend.stop();
  });

  afterAll(async () => {
    await stop?.();
    await argo.close();
  });

  beforeEach(() => {
    argo.requests.length = 0;
  });

  describe('views (community ArgoCD backend)', () => {
    const view = (path: string) =>
      request(server)
        .get(`/api/backstage-community-argocd${path}`)
        .set('Authorization', alice);

    it('shows a Synced, Healthy application with its revision and history', async () => {
      const res = await view('/argoInstance/main/applications/novahost-portal');
      expect(res.status).toBe(200);
      const s = summarizeApplication(res.body as ArgoApplication);
      expect(s).toMatchObject({
        name: 'novahost-portal',
        instance: 'main',
        syncStatus: 'Synced',
        healthStatus: 'Healthy',
        revision: '9f3c2a71d0b84e5f6a1c3d2e7b8f90a1c2d3e4f5',
        reasons: [],
        operation: { phase: 'Succeeded' },
      });
      expect(s.history.map(h => h.id)).toEqual([42, 41]);
      expect(argo.requests[0].authorization).toBe(`Bearer ${TOKEN}`);
    });

    it.each([
      [
        'which resources are OutOfSync',
        'novahost-proxy',
        { syncStatus: 'OutOfSync' },
        [
          'ConfigMap novahost/novahost-proxy-config is OutOfSync',
          'Deployment novahost/novahost-proxy is OutOfSync',
        ],
      ],
      [
        'the message of a Degraded application',
        'novahost-builds',
        { healthStatus: 'Degraded' },
        [
          'Deployment novahost-builds/novahost-build-cache is Degraded: Deployment "novahost-build-cache" exceeded its progress deadline',
          'SyncError: Failed sync attempt to 9f3c2a71d0b84e5f6a1c3d2e7b8f90a1c2d3e4f5: one or more objects failed to apply, reason: pods "novahost-build-cache" is forbidden: exceeded quota: builds-quota',
          'Last sync failed: one or more objects failed to apply, reason: pods "novahost-build-cache" is forbidden: exceeded quota: builds-quota (retried 5 times).',
        ],
      ],
    ])('says %s', async (_, app, status, reasons) => {
      const res = await view(`/argoInstance/main/applications/${app}`);
      const s = summarizeApplication(res.body);
      expect(s).toMatchObject(status);
      expect(s.reasons).toEqual(reasons);
    });

    it('searching every instance fails while one is down (why entities name their instance)', async () => {
      const res = await view('/find/name/novahost-builds?expand=applications');
      expect(res.status).toBe(500);
      expect(res.body.error.message).toContain("Instance 'down'");
    });

    it('reports an unreachable instance as an error, not an empty page', async () => {
      const res = await view('/argoInstance/down/applications/novahost-docs');
      expect(res.status).toBe(500);
      expect(res.body.error.message).toContain(
        "Failed to fetch Application from Instance 'down'",
      );
    });
  });

  describe('sync and refresh (argocd-actions)', () => {
    /** Acts for the entity named like the application unless `entity` says otherwise. */
    const act = (
      app: string,
      action: 'sync' | 'refresh',
      {
        entity = app,
        auth = alice,
        ...extra
      }: {
        entity?: string;
        auth?: string;
        instance?: string;
        hard?: boolean;
      } = {},
    ) => {
      const r = request(server).post(
        `/api/argocd-actions/applications/${app}/${action}`,
      );
      return (auth ? r.set('Authorization', auth) : r).send({
        entityRef: `component:default/${entity}`,
        ...extra,
      });
    };

    it('starts a sync with the instance token and answers the operation', async () => {
      const res = await act('novahost-proxy', 'sync');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        instance: 'main',
        application: 'novahost-proxy',
        syncStatus: 'OutOfSync',
        healthStatus: 'Healthy',
        operationPhase: 'Running',
      });
      expect(argo.requests).toEqual([
        {
          method: 'POST',
          path: '/api/v1/applications/novahost-proxy/sync',
          authorization: `Bearer ${TOKEN}`,
          body: { name: 'novahost-proxy', prune: false, dryRun: false },
        },
      ]);

      // ArgoCD refuses a second sync while one runs: 409 with its reason.
      const again = await act('novahost-proxy', 'sync');
      expect(again.status).toBe(409);
      expect(again.body.error.message).toContain(
        'another operation is already in progress',
      );
    });

    it('refreshes (normal and hard)', async () => {
      const res = await act('novahost-portal', 'refresh');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ syncStatus: 'Synced' });
      await act('novahost-portal', 'refresh', { hard: true });
      expect(argo.requests.map(r => `${r.method} ${r.path}`)).toEqual([
        'GET /api/v1/applications/novahost-portal?refresh=normal',
        'GET /api/v1/applications/novahost-portal?refresh=hard',
      ]);
    });

    it('is denied by the permission policy without calling ArgoCD', async () => {
      const res = await act('novahost-portal', 'sync', { auth: viewer });
      expect(res.status).toBe(403);
      expect(res.body.error.name).toBe('NotAllowedError');
      // The same user may refresh.
      const refresh = await act('novahost-portal', 'refresh', { auth: viewer });
      expect(refresh.status).toBe(200);
      expect(argo.requests.map(r => r.path)).toEqual([
        '/api/v1/applications/novahost-portal?refresh=normal',
      ]);
    });

    it.each([
      ['another application', { entity: 'novahost-proxy' }, 400],
      ['no ArgoCD annotation', { entity: 'no-argocd' }, 400],
      ['an entity the catalog lacks', { entity: 'nope' }, 404],
      ['a malformed entity ref', { entity: '' }, 400],
      ['an instance other than its annotation', { instance: 'down' }, 400],
    ])(
      'acts only on the application the entity is annotated with: not %s',
      async (_, options, status) => {
        const res = await act('novahost-portal', 'sync', options);
        expect(res.status).toBe(status);
        expect(argo.requests).toEqual([]);
      },
    );

    it('makes an entity without an instance annotation name one', async () => {
      // No instance annotation and two instances configured: must name one.
      const ambiguous = await act('novahost-builds', 'sync');
      expect(ambiguous.status).toBe(400);
      expect(ambiguous.body.error.message).toContain(
        'Several ArgoCD instances',
      );
      expect(argo.requests).toEqual([]);

      const named = await act('novahost-builds', 'refresh', {
        instance: 'main',
      });
      expect(named.status).toBe(200);
      expect(named.body.healthStatus).toBe('Degraded');
    });

    it('needs a signed-in caller', async () => {
      const res = await act('novahost-portal', 'sync', { auth: '' });
      expect(res.status).toBe(401);
      expect(argo.requests).toEqual([]);
    });

    it('answers 503 with the reason when the instance is unreachable', async () => {
      const res = await act('novahost-docs', 'sync');
      expect(res.status).toBe(503);
      expect(res.body.error.message).toMatch(
        /ArgoCD instance 'down' is unreachable \(ECONNREFUSED\)/,
      );
    });
  });
});
