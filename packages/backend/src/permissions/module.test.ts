import {
  coreServices,
  createBackendPlugin,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import permissionBackend from '@backstage/plugin-permission-backend';
import {
  AuthorizeResult,
  isResourcePermission,
  Permission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { kubernetesProxyPermission } from '@backstage/plugin-kubernetes-common';
import { argocdApplicationSyncPermission } from '@internal/plugin-argocd-common';
import {
  IS_PROJECT_OWNER,
  novahostProjectDeletePermission,
  novahostProjectReadPermission,
  novahostRoutesReadPermission,
} from '@internal/plugin-novahost-common';
import request from 'supertest';
import {
  catalogUserInfoServiceFactory,
  testOrg,
} from '../__testUtils__/catalogUserInfo';
import { pluginActorAuthServiceFactory } from '../__testUtils__/pluginActorAuth';
import novahostPermissionPolicyModule from './index';

/**
 * This app's policy module inside the real permission backend, asked the way
 * a plugin asks: through the real permissions service (ServerPermissionClient
 * → POST /api/permission/authorize → the policy).
 */
describe('the Novahost policy in the permission backend', () => {
  let permissions: PermissionsService;
  let server: Awaited<ReturnType<typeof startTestBackend>>['server'];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const probe = createBackendPlugin({
      pluginId: 'probe',
      register(reg) {
        reg.registerInit({
          deps: { permissions: coreServices.permissions },
          async init(deps) {
            permissions = deps.permissions;
          },
        });
      },
    });
    const backend = await startTestBackend({
      features: [
        permissionBackend,
        novahostPermissionPolicyModule,
        probe,
        permissionsServiceFactory,
        pluginActorAuthServiceFactory,
        catalogUserInfoServiceFactory(testOrg),
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            novahost: { admins: ['group:default/platform'] },
          },
        }),
      ],
    });
    server = backend.server;
    stop = () => backend.stop();
  });

  afterAll(() => stop?.());

  /**
   * Asked as a plugin asks for its user: a resource permission without a
   * resource (what a list asks for its filter), a basic one with authorize.
   */
  const ask = async (permission: Permission, userRef: string) => {
    const options = { credentials: mockCredentials.user(userRef) };
    const [decision] = isResourcePermission(permission)
      ? await permissions.authorizeConditional([{ permission }], options)
      : await permissions.authorize([{ permission }], options);
    // The client passes each request's id through; compare without it.
    const { id: _id, ...answer } = decision as PolicyDecision & { id?: string };
    return answer;
  };

  it('lets alice read projects and change only those of her user or team', async () => {
    expect(
      await ask(novahostProjectReadPermission, 'user:default/alice'),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    expect(
      await ask(novahostProjectDeletePermission, 'user:default/alice'),
    ).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'novahost',
      conditions: {
        rule: IS_PROJECT_OWNER,
        params: { claims: ['user:default/alice', 'group:default/team-a'] },
      },
    });
  });

  it('gives bob his own team, not alice’s', async () => {
    expect(
      await ask(novahostProjectDeletePermission, 'user:default/bob'),
    ).toMatchObject({
      conditions: {
        params: { claims: ['user:default/bob', 'group:default/team-b'] },
      },
    });
  });

  it('lets carol (platform, an admin group) do anything on any project', async () => {
    expect(
      await ask(novahostProjectDeletePermission, 'user:default/carol'),
    ).toEqual({ result: AuthorizeResult.ALLOW });
  });

  it('keeps the Kubernetes proxy for admins', async () => {
    expect(await ask(kubernetesProxyPermission, 'user:default/alice')).toEqual({
      result: AuthorizeResult.DENY,
    });
    expect(await ask(kubernetesProxyPermission, 'user:default/carol')).toEqual({
      result: AuthorizeResult.ALLOW,
    });
  });

  it('lets owners of the entity sync its ArgoCD application', async () => {
    expect(
      await ask(argocdApplicationSyncPermission, 'user:default/alice'),
    ).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      conditions: { rule: 'IS_ENTITY_OWNER' },
    });
  });

  const postAuthorize = (authorization: string, permission: Permission) =>
    request(server)
      .post('/api/permission/authorize')
      .set('Authorization', authorization)
      .send({ items: [{ id: 'x', permission }] });

  it('refuses the routing table and the Kubernetes proxy to a user asking over HTTP', async () => {
    for (const permission of [
      novahostRoutesReadPermission,
      kubernetesProxyPermission,
    ]) {
      const res = await postAuthorize(
        mockCredentials.user.header('user:default/alice'),
        permission,
      );
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([
        { id: 'x', result: AuthorizeResult.DENY },
      ]);
    }
    const admin = await postAuthorize(
      mockCredentials.user.header('user:default/carol'),
      kubernetesProxyPermission,
    );
    expect(admin.body.items).toEqual([
      { id: 'x', result: AuthorizeResult.ALLOW },
    ]);
  });

  it('never gets a question from a caller who is not signed in', async () => {
    const res = await postAuthorize(mockCredentials.none.header(), {
      type: 'basic',
      name: 'catalog.entity.create',
      attributes: { action: 'create' },
    });
    expect(res.status).toBe(401);
  });
});
