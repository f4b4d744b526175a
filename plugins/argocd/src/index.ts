/**
 * ArgoCD on entity pages: sync status, health, revision, history, the
 * reasons an application is degraded or out of sync, and permission-guarded
 * Sync and Refresh.
 *
 * @packageDocumentation
 */
export { argocdPlugin as default, argocdApi, entityArgoCDCard } from './plugin';
export * from './api';
export { EntityArgoCDCard } from './components/EntityArgoCDCard';
