import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Both permissions are resource permissions on the catalog entity that carries
 * the `argocd/app-name` annotation, so a policy can decide per entity (for
 * example with the catalog's `isEntityOwner` rule). The string equals the
 * catalog's RESOURCE_TYPE_CATALOG_ENTITY.
 */
const CATALOG_ENTITY = 'catalog-entity';

/** Start a sync of the entity's ArgoCD Application. @public */
export const argocdApplicationSyncPermission = createPermission({
  name: 'argocd.application.sync',
  attributes: { action: 'update' },
  resourceType: CATALOG_ENTITY,
});

/** Ask ArgoCD to re-compare the entity's Application with git now. @public */
export const argocdApplicationRefreshPermission = createPermission({
  name: 'argocd.application.refresh',
  attributes: { action: 'update' },
  resourceType: CATALOG_ENTITY,
});

/** Every permission the ArgoCD actions define. @public */
export const argocdActionsPermissions = [
  argocdApplicationSyncPermission,
  argocdApplicationRefreshPermission,
];
