import {
  BackstageCredentials,
  BackstageUserInfo,
  coreServices,
  createServiceFactory,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { normalizeEntityRef } from '@internal/plugin-novahost-common';

const lower = (ref: string) => ref.toLocaleLowerCase('en-US');

/**
 * User info as the catalog sign-in gives it, from a test catalog's User
 * entities: a user's ownership refs are the user and the groups of its
 * `spec.memberOf`, as full lower-case refs. A user the catalog does not know
 * owns only itself (what the guest provider issues for such a user).
 */
export class CatalogUserInfoService implements UserInfoService {
  private readonly ownership = new Map<string, string[]>();

  constructor(entities: Entity[]) {
    for (const entity of entities) {
      if (entity.kind.toLocaleLowerCase('en-US') !== 'user') continue;
      const userRef = lower(stringifyEntityRef(entity));
      const namespace = entity.metadata.namespace ?? 'default';
      const memberOf = (entity.spec?.memberOf as string[] | undefined) ?? [];
      const groups = memberOf.map(ref =>
        normalizeEntityRef(ref, { defaultNamespace: namespace }),
      );
      this.ownership.set(userRef, [userRef, ...groups]);
    }
  }

  async getUserInfo(
    credentials: BackstageCredentials,
  ): Promise<BackstageUserInfo> {
    const { principal } = credentials as BackstageCredentials<{
      type: string;
      userEntityRef?: string;
    }>;
    if (principal.type !== 'user' || !principal.userEntityRef) {
      throw new InputError(
        `User info not available for principal type '${principal.type}'`,
      );
    }
    const userEntityRef = principal.userEntityRef;
    return {
      userEntityRef,
      ownershipEntityRefs: this.ownership.get(lower(userEntityRef)) ?? [
        userEntityRef,
      ],
    };
  }
}

/**
 * A `coreServices.userInfo` factory for startTestBackend that answers from
 * `entities` (pass the same list to `catalogServiceMock.factory`), so
 * `mockCredentials.user('user:default/alice')` gets alice's groups.
 */
export function catalogUserInfoServiceFactory(entities: Entity[]) {
  return createServiceFactory({
    service: coreServices.userInfo,
    deps: {},
    factory: () => new CatalogUserInfoService(entities),
  });
}

/** A User entity for a test catalog. */
export function testUser(name: string, memberOf: string[]): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name, namespace: 'default' },
    spec: { memberOf },
  };
}

/** A Group entity (a team) for a test catalog. */
export function testGroup(name: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default' },
    spec: { type: 'team', children: [] },
  };
}

/**
 * The example org of the permission tests: alice in team-a, bob in team-b,
 * carol in platform (Novahost's admins in app-config.yaml) and dave in no
 * group.
 */
export const testOrg: Entity[] = [
  testGroup('team-a'),
  testGroup('team-b'),
  testGroup('platform'),
  testUser('alice', ['team-a']),
  testUser('bob', ['team-b']),
  testUser('carol', ['group:default/platform']),
  testUser('dave', []),
];
