import {
  IS_PROJECT_OWNER,
  RESOURCE_TYPE_NOVAHOST_PROJECT,
} from '@internal/plugin-novahost-common';
import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import { z } from 'zod';

/**
 * What the project rules see of a project: its owner, a full lower-case
 * entity ref (`group:default/team-a`), or null for a project created before
 * owners were required (only admins and services may change those).
 * @public
 */
export type NovahostProjectResource = { id: string; owner: string | null };

/**
 * A rule's database filter: the project's column is one of the values. The
 * backend turns a tree of these (allOf/anyOf/not) into a SQL WHERE.
 * @public
 */
export type NovahostProjectFilter = {
  key: 'owner';
  values: string[];
};

/** @public */
export const novahostProjectPermissionResourceRef = createPermissionResourceRef<
  NovahostProjectResource,
  NovahostProjectFilter
>().with({
  pluginId: 'novahost',
  resourceType: RESOURCE_TYPE_NOVAHOST_PROJECT,
});

/** Entity refs compare lower-cased, as the catalog stores them. */
const normalize = (refs: string[]) =>
  refs.map(r => r.toLocaleLowerCase('en-US'));

/**
 * IS_PROJECT_OWNER: the project's owner is one of `claims`, typically the
 * caller's `ownershipEntityRefs` (their user and groups).
 * @public
 */
export const isProjectOwnerRule = createPermissionRule({
  name: IS_PROJECT_OWNER,
  description: "Allow projects whose owner is one of the caller's claims",
  resourceRef: novahostProjectPermissionResourceRef,
  paramsSchema: z.object({
    claims: z
      .array(z.string())
      .describe(
        'Entity refs of owners to match, e.g. the user and their groups',
      ),
  }),
  apply: (project, { claims }) =>
    project.owner !== null && normalize(claims).includes(project.owner),
  toQuery: ({ claims }) => ({ key: 'owner', values: normalize(claims) }),
});

/** Every rule of the `novahost-project` resource type. @public */
export const novahostProjectRules = [isProjectOwnerRule];

const exported = createConditionExports({
  resourceRef: novahostProjectPermissionResourceRef,
  rules: { isProjectOwner: isProjectOwnerRule },
});

/**
 * Condition builders for a permission policy, e.g.
 * `createNovahostProjectConditionalDecision(permission,
 *  novahostProjectConditions.isProjectOwner({ claims }))`.
 * @public
 */
export const novahostProjectConditions = exported.conditions;

/** @public */
export const createNovahostProjectConditionalDecision =
  exported.createConditionalDecision;
