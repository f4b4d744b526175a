import { Entity } from '@backstage/catalog-model';

/**
 * The ArgoCD Application an entity is deployed by. The same annotation the
 * community ArgoCD plugin reads, so catalogs keep working if it is swapped in.
 * @public
 */
export const ARGOCD_APP_NAME_ANNOTATION = 'argocd/app-name';

/**
 * The configured ArgoCD instance (`argocd.appLocatorMethods[].instances[].name`)
 * that owns the application. Without it every configured instance is searched.
 * @public
 */
export const ARGOCD_INSTANCE_NAME_ANNOTATION = 'argocd/instance-name';

/** True when the entity names an ArgoCD Application. @public */
export function isArgocdAvailable(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[ARGOCD_APP_NAME_ANNOTATION]);
}

/** The application name and optional instance an entity is annotated with. @public */
export function getArgocdAnnotations(
  entity: Entity,
): { appName: string; instanceName?: string } | undefined {
  const annotations = entity.metadata.annotations ?? {};
  const appName = annotations[ARGOCD_APP_NAME_ANNOTATION]?.trim();
  if (!appName) {
    return undefined;
  }
  const instanceName = annotations[ARGOCD_INSTANCE_NAME_ANNOTATION]?.trim();
  return instanceName ? { appName, instanceName } : { appName };
}
