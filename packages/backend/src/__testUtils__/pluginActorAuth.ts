import {
  AuthService,
  BackstageCredentials,
  BackstageNonePrincipal,
  BackstagePrincipalTypes,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';

type JsonObject = Awaited<
  ReturnType<AuthService['listPublicServiceKeys']>
>['keys'][number];

/**
 * mockServices.auth, except that a plugin's request on behalf of a user
 * carries the plugin as its actor, as the real auth service's tokens do.
 *
 * The permission backend refuses a resource permission without a
 * resourceRef (what `authorizeConditional` asks for a list filter) to a user
 * asking directly, and tells a plugin asking for the user by that actor. The
 * mock's on-behalf-of tokens drop it, so through the real permissions
 * service every such request would be a 400.
 */
class PluginActorAuthService implements AuthService {
  constructor(
    private readonly inner: AuthService,
    private readonly pluginId: string,
  ) {}

  authenticate(
    token: string,
    options?: { allowLimitedAccess?: boolean },
  ): Promise<BackstageCredentials> {
    return this.inner.authenticate(token, options);
  }

  isPrincipal<TType extends keyof BackstagePrincipalTypes>(
    credentials: BackstageCredentials,
    type: TType,
  ): credentials is BackstageCredentials<BackstagePrincipalTypes[TType]> {
    return this.inner.isPrincipal(credentials, type);
  }

  getNoneCredentials(): Promise<BackstageCredentials<BackstageNonePrincipal>> {
    return this.inner.getNoneCredentials();
  }

  getOwnServiceCredentials(): Promise<
    BackstageCredentials<BackstageServicePrincipal>
  > {
    return this.inner.getOwnServiceCredentials();
  }

  async getPluginRequestToken(options: {
    onBehalfOf: BackstageCredentials;
    targetPluginId: string;
  }): Promise<{ token: string }> {
    const { onBehalfOf } = options;
    if (!this.inner.isPrincipal(onBehalfOf, 'user')) {
      return this.inner.getPluginRequestToken(options);
    }
    const principal: BackstageUserPrincipal = onBehalfOf.principal;
    return {
      token: mockCredentials.user.token(principal.userEntityRef, {
        actor: { subject: `plugin:${this.pluginId}` },
      }),
    };
  }

  getLimitedUserToken(
    credentials: BackstageCredentials<BackstageUserPrincipal>,
  ): Promise<{ token: string; expiresAt: Date }> {
    return this.inner.getLimitedUserToken(credentials);
  }

  listPublicServiceKeys(): Promise<{ keys: JsonObject[] }> {
    return this.inner.listPublicServiceKeys();
  }
}

/**
 * A `coreServices.auth` factory for startTestBackend, for tests that put the
 * real permissions service (`permissionsServiceFactory`) in front of the
 * real permission backend.
 */
export const pluginActorAuthServiceFactory = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const pluginId = plugin.getId();
    return new PluginActorAuthService(
      mockServices.auth({ pluginId }),
      pluginId,
    );
  },
});
