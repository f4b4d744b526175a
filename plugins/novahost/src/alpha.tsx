import {
  ApiBlueprint,
  PageBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { isNovahostAvailable } from '@internal/plugin-novahost-common';
import CloudUploadIcon from '@material-ui/icons/CloudUpload';
import { NovahostClient, novahostApiRef } from './api';
import { deploymentRouteRef, projectRouteRef, rootRouteRef } from './routes';

/** The API client, built on the app's discovery and fetch APIs. @alpha */
export const novahostApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: novahostApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new NovahostClient({ discoveryApi, fetchApi }),
    }),
});

/** The Novahost page (with a sidebar entry): projects, project and deployment pages. @alpha */
export const novahostPage = PageBlueprint.make({
  params: {
    path: '/novahost',
    title: 'Novahost',
    icon: <CloudUploadIcon fontSize="inherit" />,
    routeRef: rootRouteRef,
    loader: () => import('./components/Router').then(m => <m.NovahostRouter />),
  },
});

/** The Novahost tab on entities annotated with `novahost.dev/project`. @alpha */
export const entityNovahostContent = EntityContentBlueprint.make({
  name: 'novahost',
  params: {
    path: '/novahost',
    title: 'Novahost',
    group: 'deployment',
    filter: isNovahostAvailable,
    loader: () =>
      import('./components/EntityNovahost').then(m => (
        <m.EntityNovahostContent />
      )),
  },
});

/** The deployments card on the overview of annotated entities. @alpha */
export const entityNovahostDeploymentsCard = EntityCardBlueprint.make({
  name: 'novahost-deployments',
  params: {
    filter: isNovahostAvailable,
    loader: () =>
      import('./components/EntityNovahost').then(m => (
        <m.EntityNovahostDeploymentsCard />
      )),
  },
});

/**
 * Novahost for Backstage's new frontend system, discovered by the app
 * through this package's `./alpha` export.
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'novahost',
  title: 'Novahost',
  icon: <CloudUploadIcon fontSize="inherit" />,
  info: { packageJson: () => import('../package.json') },
  extensions: [
    novahostApi,
    novahostPage,
    entityNovahostContent,
    entityNovahostDeploymentsCard,
  ],
  routes: {
    root: rootRouteRef,
    project: projectRouteRef,
    deployment: deploymentRouteRef,
  },
});
