import {
  BasicPermission,
  ResourcePermission,
  createPermission,
} from '@backstage/plugin-permission-common';

/**
 * Novahost's permissions (Backstage permission framework).
 *
 * Every project permission is a resource permission on the
 * `novahost-project` resource type, so a policy can answer CONDITIONAL with
 * the `IS_PROJECT_OWNER` rule (see `novahostProjectConditions` in
 * `@internal/plugin-novahost-node`). `create` is decided against the project
 * about to be created: a conditional decision means "only with an owner the
 * caller belongs to".
 */

/** The resource type of a Novahost project; resource refs are project ids. @public */
export const RESOURCE_TYPE_NOVAHOST_PROJECT = 'novahost-project';

/** @public */
export type NovahostProjectPermission = ResourcePermission<
  typeof RESOURCE_TYPE_NOVAHOST_PROJECT
>;

const projectPermission = (
  verb: string,
  action: 'create' | 'read' | 'update' | 'delete',
): NovahostProjectPermission =>
  createPermission({
    name: `novahost.project.${verb}`,
    attributes: { action },
    resourceType: RESOURCE_TYPE_NOVAHOST_PROJECT,
  });

/** See a project, its deployments, domains and build logs. @public */
export const novahostProjectReadPermission = projectPermission('read', 'read');

/** Create a project (decided against the new project: its owner). @public */
export const novahostProjectCreatePermission = projectPermission(
  'create',
  'create',
);

/** Change a project's settings, owner and domains. @public */
export const novahostProjectUpdatePermission = projectPermission(
  'update',
  'update',
);

/** Delete a project with its deployments and artifacts. @public */
export const novahostProjectDeletePermission = projectPermission(
  'delete',
  'delete',
);

/** Start a deployment of a project. @public */
export const novahostProjectDeployPermission = projectPermission(
  'deploy',
  'update',
);

/** Promote a deployment to production, including a rollback. @public */
export const novahostProjectPromotePermission = projectPermission(
  'promote',
  'update',
);

/** Cancel a project's queued or running deployment. @public */
export const novahostProjectCancelPermission = projectPermission(
  'cancel',
  'update',
);

/**
 * Read the routing table (the proxy's view of every project). Basic: it is
 * granted to the proxy's static token through its access restrictions.
 * @public
 */
export const novahostRoutesReadPermission: BasicPermission = createPermission({
  name: 'novahost.routes.read',
  attributes: { action: 'read' },
});

/** Every project permission. @public */
export const novahostProjectPermissions: NovahostProjectPermission[] = [
  novahostProjectReadPermission,
  novahostProjectCreatePermission,
  novahostProjectUpdatePermission,
  novahostProjectDeletePermission,
  novahostProjectDeployPermission,
  novahostProjectPromotePermission,
  novahostProjectCancelPermission,
];

/** Every Novahost permission. @public */
export const novahostPermissions = [
  ...novahostProjectPermissions,
  novahostRoutesReadPermission,
];

/** The name of the rule that matches projects owned by one of the given refs. @public */
export const IS_PROJECT_OWNER = 'IS_PROJECT_OWNER';
