import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { BuildRunner } from './runners/types';
import type { ArtifactStore } from './stores/types';

/**
 * Lets a backend module replace the artifact store that `novahost.store`
 * configures, as techdocs' publisher extension point does.
 * @public
 */
export interface NovahostStoreExtensionPoint {
  setStore(store: ArtifactStore): void;
}

/** @public */
export const novahostStoreExtensionPoint =
  createExtensionPoint<NovahostStoreExtensionPoint>({
    id: 'novahost.store',
  });

/**
 * Lets a backend module replace the build runner that `novahost.runner`
 * configures.
 * @public
 */
export interface NovahostRunnerExtensionPoint {
  setRunner(runner: BuildRunner): void;
}

/** @public */
export const novahostRunnerExtensionPoint =
  createExtensionPoint<NovahostRunnerExtensionPoint>({
    id: 'novahost.runner',
  });
