import {
  createRouteRef,
  createSubRouteRef,
} from '@backstage/frontend-plugin-api';

/** The Novahost page: the projects list. */
export const rootRouteRef = createRouteRef();

/** A project's page, by id or slug. */
export const projectRouteRef = createSubRouteRef({
  parent: rootRouteRef,
  path: '/projects/:projectId',
});

/** A deployment's page with its live build log. */
export const deploymentRouteRef = createSubRouteRef({
  parent: rootRouteRef,
  path: '/deployments/:deploymentId',
});
