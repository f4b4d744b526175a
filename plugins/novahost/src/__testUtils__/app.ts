import { convertLegacyRouteRef } from '@backstage/core-compat-api';
import { mockApis, type TestAppOptions } from '@backstage/frontend-test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import {
  AuthorizeResult,
  type EvaluatePermissionRequest,
} from '@backstage/plugin-permission-common';
import { rootRouteRef } from '../routes';
import { novahostApi } from './server';

/** A permission policy for a test: ALLOW or DENY per request. */
export type Decide = (
  request: EvaluatePermissionRequest,
) => AuthorizeResult.ALLOW | AuthorizeResult.DENY;

export const allowAll: Decide = () => AuthorizeResult.ALLOW;
export const denyAll: Decide = () => AuthorizeResult.DENY;

/**
 * Options for `renderInTestApp`: the real client against msw, a permission
 * API answering with `authorize` (default: allow), the signed-in `identity`
 * when given, and the routes the pages link to (Novahost, catalog entities).
 *
 * usePermission caches decisions per permission and project id for the
 * whole test file: a test that needs a different decision for the same
 * permission uses a project with its own id.
 */
export function testApp(
  opts: {
    authorize?: Decide;
    identity?: { userEntityRef: string; ownershipEntityRefs: string[] };
  } = {},
): TestAppOptions {
  const authorize = opts.authorize ?? allowAll;
  return {
    apis: [
      novahostApi(),
      mockApis.permission({ authorize: request => authorize(request) }),
      ...(opts.identity ? [mockApis.identity(opts.identity)] : []),
    ],
    mountedRoutes: {
      '/novahost': rootRouteRef,
      '/catalog/:namespace/:kind/:name': convertLegacyRouteRef(entityRouteRef),
    },
  };
}
