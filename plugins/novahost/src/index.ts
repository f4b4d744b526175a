/**
 * Novahost in Backstage: projects, deployments, live build logs, and the
 * deploy, promote, rollback and cancel actions. The app discovers the
 * plugin through the `./alpha` export (new frontend system).
 *
 * @packageDocumentation
 */
export * from './api';
export {
  EntityNovahostContent,
  EntityNovahostDeploymentsCard,
} from './components';
export {
  NOVAHOST_PROJECT_ANNOTATION,
  isNovahostAvailable,
} from '@internal/plugin-novahost-common';
