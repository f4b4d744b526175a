import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createNovahostProjectAction } from './actions/createProject';
import { createNovahostDeployAction } from './actions/deploy';
import { createPreviewProjectAction } from './actions/previewProject';
import { createPublishLocalAction } from './actions/publishLocal';
import { createResolvePublisherAction } from './actions/resolvePublisher';

/**
 * The Novahost scaffolder actions: `novahost:project:create`,
 * `novahost:project:preview`,
 * `novahost:deploy`, `novahost:publish:local` and
 * `novahost:publisher:resolve`.
 *
 * @public
 */
export const scaffolderModuleNovahost = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'novahost',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolder, config, discovery, auth }) {
        scaffolder.addActions(
          createNovahostProjectAction({ discovery, auth, config }),
          createNovahostDeployAction({ discovery, auth, config }),
          createPreviewProjectAction({ config }),
          createPublishLocalAction({ config }),
          createResolvePublisherAction({ config }),
        );
      },
    });
  },
});
