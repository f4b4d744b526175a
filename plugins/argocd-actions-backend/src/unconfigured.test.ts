import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import argocdBackend from '@backstage-community/plugin-argocd-backend';
import request from 'supertest';
import argocdActionsPlugin from './index';

const entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'novahost-portal',
    namespace: 'default',
    annotations: {
      'argocd/app-name': 'novahost',
      'argocd/instance-name': 'main',
    },
  },
  spec: { type: 'website', lifecycle: 'production', owner: 'group:platform' },
};

/**
 * The embedded default has no ArgoCD (an empty instance list) and production
 * without ARGOCD_URL has an instance without a URL: the backend starts, and
 * the views and actions say what is missing.
 */
describe.each([
  ['no instance (embedded default)', []],
  ['an instance whose URL is unset', [{ name: 'main' }]],
])('ArgoCD with %s', (_name, instances) => {
  let backend: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    backend = await startTestBackend({
      features: [
        argocdBackend,
        argocdActionsPlugin,
        catalogServiceMock.factory({ entities: [entity] }),
        mockServices.rootConfig.factory({
          data: {
            argocd: { appLocatorMethods: [{ type: 'config', instances }] },
          },
        }),
      ],
    });
  });

  afterAll(() => backend.stop());

  it('starts, and the actions and views say the instance is missing', async () => {
    const auth = mockCredentials.user.header();
    const sync = await request(backend.server)
      .post('/api/argocd-actions/applications/novahost/sync')
      .set('Authorization', auth)
      .send({ entityRef: 'component:default/novahost-portal' });
    expect(sync.status).toBe(404);
    expect(sync.body.error.message).toBe(
      "No ArgoCD instance 'main' is configured",
    );
    const view = await request(backend.server)
      .get(
        '/api/backstage-community-argocd/argoInstance/main/applications/novahost',
      )
      .set('Authorization', auth);
    expect(view.status).toBe(500);
    expect(view.body.error.message).toMatch(/main/);
  });
});
