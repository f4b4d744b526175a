import { mockCredentials } from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  createPermission,
  Permission,
} from '@backstage/plugin-permission-common';
import {
  kubernetesProxyPermission,
  kubernetesResourcesReadPermission,
} from '@backstage/plugin-kubernetes-common';
import {
  argocdApplicationRefreshPermission,
  argocdApplicationSyncPermission,
} from '@internal/plugin-argocd-common';
import {
  IS_PROJECT_OWNER,
  novahostProjectCancelPermission,
  novahostProjectCreatePermission,
  novahostProjectDeletePermission,
  novahostProjectDeployPermission,
  novahostProjectPermissions,
  novahostProjectPromotePermission,
  novahostProjectReadPermission,
  novahostProjectUpdatePermission,
  novahostRoutesReadPermission,
} from '@internal/plugin-novahost-common';
import {
  CatalogUserInfoService,
  testOrg,
} from '../__testUtils__/catalogUserInfo';
import { NovahostPermissionPolicy } from './NovahostPermissionPolicy';

const policy = new NovahostPermissionPolicy({
  admins: ['group:default/platform'],
  userInfo: new CatalogUserInfoService(testOrg),
});

/** The policy's answer for `permission` asked by `userRef` (none: no user). */
function decide(permission: Permission, userRef?: string) {
  if (!userRef) return policy.handle({ permission });
  const credentials = mockCredentials.user(userRef);
  // `info` is deprecated and the policy must not read it: a wrong one here
  // would show.
  const info = { userEntityRef: userRef, ownershipEntityRefs: [] };
  return policy.handle({ permission }, { credentials, info });
}

/** As @backstage/plugin-catalog-common defines it. */
const catalogEntityReadPermission = createPermission({
  name: 'catalog.entity.read',
  attributes: { action: 'read' },
  resourceType: 'catalog-entity',
});

const ALICE = 'user:default/alice';
const CAROL = 'user:default/carol';
const aliceClaims = ['user:default/alice', 'group:default/team-a'];

describe('NovahostPermissionPolicy', () => {
  describe('Novahost projects', () => {
    it('lets any signed-in user read every project', async () => {
      expect(await decide(novahostProjectReadPermission, ALICE)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
      expect(
        await decide(novahostProjectReadPermission, 'user:default/dave'),
      ).toEqual({ result: AuthorizeResult.ALLOW });
    });

    it.each([
      novahostProjectCreatePermission,
      novahostProjectUpdatePermission,
      novahostProjectDeletePermission,
      novahostProjectDeployPermission,
      novahostProjectPromotePermission,
      novahostProjectCancelPermission,
    ])('allows $name only on projects the user owns', async permission => {
      expect(await decide(permission, ALICE)).toEqual({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'novahost',
        resourceType: 'novahost-project',
        conditions: {
          rule: IS_PROJECT_OWNER,
          resourceType: 'novahost-project',
          params: { claims: aliceClaims },
        },
      });
    });

    it('gives a user in no group only their own projects', async () => {
      const decision = await decide(
        novahostProjectUpdatePermission,
        'user:default/dave',
      );
      expect(decision).toMatchObject({
        result: AuthorizeResult.CONDITIONAL,
        conditions: { params: { claims: ['user:default/dave'] } },
      });
    });

    it('refuses the routing table to users: it is the proxy token’s', async () => {
      expect(await decide(novahostRoutesReadPermission, ALICE)).toEqual({
        result: AuthorizeResult.DENY,
      });
    });

    it('refuses a Novahost permission it does not know yet', async () => {
      const future = createPermission({
        name: 'novahost.settings.manage',
        attributes: {},
      });
      expect(await decide(future, ALICE)).toEqual({
        result: AuthorizeResult.DENY,
      });
    });
  });

  describe('admins (members of a novahost.admins group)', () => {
    it.each([
      ...novahostProjectPermissions,
      novahostRoutesReadPermission,
      argocdApplicationSyncPermission,
      kubernetesProxyPermission,
    ])('may $name', async permission => {
      expect(await decide(permission, CAROL)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    });

    it('compares refs case-insensitively', async () => {
      const shouting = new NovahostPermissionPolicy({
        admins: ['group:default/platform'],
        userInfo: {
          getUserInfo: async () => ({
            userEntityRef: 'user:default/Carol',
            ownershipEntityRefs: [
              'user:default/Carol',
              'group:default/Platform',
            ],
          }),
        },
      });
      expect(
        await shouting.handle(
          { permission: kubernetesProxyPermission },
          {
            credentials: mockCredentials.user('user:default/Carol'),
            info: { userEntityRef: '', ownershipEntityRefs: [] },
          },
        ),
      ).toEqual({ result: AuthorizeResult.ALLOW });
    });

    it('may be a user ref as well as a group', async () => {
      const byUser = new NovahostPermissionPolicy({
        admins: ['user:default/bob'],
        userInfo: new CatalogUserInfoService(testOrg),
      });
      const ask = (ref: string) =>
        byUser.handle(
          { permission: kubernetesProxyPermission },
          {
            credentials: mockCredentials.user(ref),
            info: { userEntityRef: ref, ownershipEntityRefs: [] },
          },
        );
      expect(await ask('user:default/bob')).toEqual({
        result: AuthorizeResult.ALLOW,
      });
      expect(await ask(CAROL)).toEqual({ result: AuthorizeResult.DENY });
    });
  });

  describe('ArgoCD actions', () => {
    it.each([
      argocdApplicationSyncPermission,
      argocdApplicationRefreshPermission,
    ])('allows $name to owners of the entity', async permission => {
      expect(await decide(permission, ALICE)).toEqual({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'IS_ENTITY_OWNER',
          resourceType: 'catalog-entity',
          params: { claims: aliceClaims },
        },
      });
    });
  });

  describe('Kubernetes', () => {
    it('refuses the Kubernetes proxy to users who are not admins', async () => {
      expect(await decide(kubernetesProxyPermission, ALICE)).toEqual({
        result: AuthorizeResult.DENY,
      });
    });

    it('lets users read cluster resources', async () => {
      expect(await decide(kubernetesResourcesReadPermission, ALICE)).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    });
  });

  it('allows the rest of Backstage, e.g. reading the catalog', async () => {
    expect(await decide(catalogEntityReadPermission, ALICE)).toEqual({
      result: AuthorizeResult.ALLOW,
    });
  });

  it('refuses everything when there is no user', async () => {
    expect(await decide(catalogEntityReadPermission)).toEqual({
      result: AuthorizeResult.DENY,
    });
    expect(await decide(novahostProjectReadPermission)).toEqual({
      result: AuthorizeResult.DENY,
    });
  });
});
