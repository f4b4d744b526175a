import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isArgocdAvailable } from '@internal/plugin-argocd-common';
import { ArgoCDClient, argocdApiRef } from './api';

/** The client for the ArgoCD views and actions backends. @public */
export const argocdApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: argocdApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new ArgoCDClient({ discoveryApi, fetchApi }),
    }),
});

/** The ArgoCD card on the overview of entities with `argocd/app-name`. @public */
export const entityArgoCDCard = EntityCardBlueprint.make({
  name: 'argocd',
  params: {
    filter: isArgocdAvailable,
    loader: () =>
      import('./components/EntityArgoCDCard').then(m => <m.EntityArgoCDCard />),
  },
});

/**
 * ArgoCD for Backstage's new frontend system; the app discovers it through
 * this package's default export.
 * @public
 */
export const argocdPlugin = createFrontendPlugin({
  pluginId: 'argocd',
  title: 'ArgoCD',
  info: { packageJson: () => import('../package.json') },
  extensions: [argocdApi, entityArgoCDCard],
});
