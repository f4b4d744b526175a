/**
 * Scaffolder actions that take a template to a live Novahost site: create
 * the project, deploy it, and publish to a local git repository on the
 * embedded default (with a URL reader so the catalog can read it).
 *
 * @packageDocumentation
 */
import {
  createBackendFeatureLoader,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { urlReaderFactoriesServiceRef } from '@backstage/backend-defaults/urlReader';
import { LocalGitUrlReader } from './localGit/LocalGitUrlReader';
import { scaffolderModuleNovahost } from './module';

export { scaffolderModuleNovahost } from './module';
export { createNovahostProjectAction } from './actions/createProject';
export { createNovahostDeployAction } from './actions/deploy';
export { createPreviewProjectAction } from './actions/previewProject';
export { createPublishLocalAction } from './actions/publishLocal';
export { createResolvePublisherAction } from './actions/resolvePublisher';
export { LocalGitUrlReader } from './localGit/LocalGitUrlReader';

/**
 * The URL reader for the local publisher's repositories. Reads nothing
 * unless `novahost.scaffolder.localPublisher.directory` is set.
 *
 * @public
 */
export const localGitUrlReaderFactory = createServiceFactory({
  service: urlReaderFactoriesServiceRef,
  deps: {},
  async factory() {
    return LocalGitUrlReader.factory;
  },
});

/**
 * Everything this package adds to a backend: the scaffolder module and the
 * local git URL reader.
 *
 * @public
 */
export default createBackendFeatureLoader({
  loader() {
    return [scaffolderModuleNovahost, localGitUrlReaderFactory];
  },
});
