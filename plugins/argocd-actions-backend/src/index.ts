/**
 * Sync and refresh of ArgoCD applications from Backstage, guarded by the
 * permission framework.
 *
 * @packageDocumentation
 */
export { argocdActionsPlugin as default } from './plugin';
