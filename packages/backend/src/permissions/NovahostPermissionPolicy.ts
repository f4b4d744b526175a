import { UserInfoService } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import { kubernetesProxyPermission } from '@backstage/plugin-kubernetes-common';
import {
  argocdApplicationRefreshPermission,
  argocdApplicationSyncPermission,
} from '@internal/plugin-argocd-common';
import {
  novahostProjectReadPermission,
  RESOURCE_TYPE_NOVAHOST_PROJECT,
} from '@internal/plugin-novahost-common';
import {
  createNovahostProjectConditionalDecision,
  novahostProjectConditions,
} from '@internal/plugin-novahost-node';

const ALLOW: PolicyDecision = { result: AuthorizeResult.ALLOW };
const DENY: PolicyDecision = { result: AuthorizeResult.DENY };

/** Resource permissions on the catalog entity: decided by its owner. */
const ARGOCD_ACTIONS = [
  argocdApplicationSyncPermission,
  argocdApplicationRefreshPermission,
];

/**
 * This app's permission policy. It decides for users only: Backstage decides
 * service principals (static tokens, plugin-to-plugin calls) by their
 * `accessRestrictions` and never asks the policy.
 *
 * - Members of an admin group (`novahost.admins`) may do everything.
 * - Novahost: anyone signed in reads every project; everything else on a
 *   project (create, update, delete, deploy, promote, cancel) only with an
 *   owner the user claims (IS_PROJECT_OWNER). Novahost's other permissions
 *   (the proxy's `novahost.routes.read`) are for services, not users.
 * - ArgoCD sync and refresh: owners of the catalog entity.
 * - `kubernetes.proxy` (a shell into any cluster object): admins only.
 * - Everything else is allowed, as the allow-all policy did.
 */
export class NovahostPermissionPolicy implements PermissionPolicy {
  private readonly admins: Set<string>;
  private readonly userInfo: UserInfoService;

  /**
   * @param options.admins full, lower-case entity refs (see readAdmins).
   * @param options.userInfo gives the user's ownership refs (`user.info` of
   *   a policy query is deprecated).
   */
  constructor(options: { admins: string[]; userInfo: UserInfoService }) {
    this.admins = new Set(options.admins);
    this.userInfo = options.userInfo;
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!user) return DENY;
    const { ownershipEntityRefs: claims } = await this.userInfo.getUserInfo(
      user.credentials,
    );
    if (this.isAdmin(claims)) return ALLOW;

    const { permission } = request;
    if (isResourcePermission(permission, RESOURCE_TYPE_NOVAHOST_PROJECT)) {
      if (isPermission(permission, novahostProjectReadPermission)) {
        return ALLOW;
      }
      return createNovahostProjectConditionalDecision(
        permission,
        novahostProjectConditions.isProjectOwner({ claims }),
      );
    }
    if (permission.name.startsWith('novahost.')) return DENY;

    const argocd = ARGOCD_ACTIONS.find(p => isPermission(permission, p));
    if (argocd) {
      return createCatalogConditionalDecision(
        argocd,
        catalogConditions.isEntityOwner({ claims }),
      );
    }
    if (isPermission(permission, kubernetesProxyPermission)) return DENY;

    // The rest of Backstage (catalog, scaffolder, techdocs, kubernetes
    // reads, ...) stays open to every signed-in user, as before this policy.
    return ALLOW;
  }

  private isAdmin(claims: string[]): boolean {
    return claims.some(ref => this.admins.has(ref.toLocaleLowerCase('en-US')));
  }
}
