import type {
  BackstageCredentials,
  BackstageUserPrincipal,
  PermissionsRegistryService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  ConditionalPolicyDecision,
  PermissionCriteria,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  createConditionTransformer,
} from '@backstage/plugin-permission-node';
import {
  NovahostProjectPermission,
  novahostProjectCreatePermission,
  novahostProjectDeletePermission,
  novahostProjectDeployPermission,
  novahostProjectPromotePermission,
  novahostProjectCancelPermission,
  novahostProjectReadPermission,
  novahostProjectUpdatePermission,
} from '@internal/plugin-novahost-common';
import {
  NovahostProjectFilter,
  NovahostProjectResource,
  novahostProjectPermissionResourceRef,
} from '@internal/plugin-novahost-node';

/** What each permission lets a caller do, for refusals users can act on. */
const VERBS: Record<string, string> = {
  [novahostProjectReadPermission.name]: 'see',
  [novahostProjectCreatePermission.name]: 'create',
  [novahostProjectUpdatePermission.name]: 'change',
  [novahostProjectDeletePermission.name]: 'delete',
  [novahostProjectDeployPermission.name]: 'deploy',
  [novahostProjectPromotePermission.name]: 'promote deployments of',
  [novahostProjectCancelPermission.name]: 'cancel deployments of',
};

/** A project as the access checks see it. */
export type ProjectSubject = NovahostProjectResource & { slug?: string };

/**
 * Asks the permission framework about projects. Decisions are requested
 * conditionally and conditions are evaluated here: against a project for
 * one-project actions (including one about to be created), and as a SQL
 * filter for lists.
 */
export class ProjectAccess {
  private readonly authorizeConditions: ReturnType<
    typeof createConditionAuthorizer<
      NovahostProjectResource,
      NovahostProjectFilter
    >
  >;
  private readonly toFilter: ReturnType<
    typeof createConditionTransformer<NovahostProjectFilter>
  >;

  constructor(
    private readonly o: {
      permissions: PermissionsService;
      permissionsRegistry: PermissionsRegistryService;
      userInfo: UserInfoService;
    },
  ) {
    const ruleset = o.permissionsRegistry.getPermissionRuleset(
      novahostProjectPermissionResourceRef,
    );
    this.authorizeConditions = createConditionAuthorizer(ruleset);
    this.toFilter = createConditionTransformer(ruleset);
  }

  /** Throws NotAllowedError unless the caller may take `permission` on `project`. */
  async authorize(
    credentials: BackstageCredentials,
    permission: NovahostProjectPermission,
    project: ProjectSubject,
  ): Promise<void> {
    if (!(await this.allowed(credentials, permission, project))) {
      throw new NotAllowedError(refusal(permission, project));
    }
  }

  async allowed(
    credentials: BackstageCredentials,
    permission: NovahostProjectPermission,
    project: ProjectSubject,
  ): Promise<boolean> {
    const [decision] = await this.o.permissions.authorizeConditional(
      [{ permission }],
      { credentials },
    );
    if (decision.result === AuthorizeResult.CONDITIONAL) {
      return this.authorizeConditions(decision, project);
    }
    return decision.result === AuthorizeResult.ALLOW;
  }

  /**
   * The projects the caller may read: `undefined` for all of them, a filter
   * for some, `null` for none.
   */
  async readFilter(
    credentials: BackstageCredentials,
  ): Promise<PermissionCriteria<NovahostProjectFilter> | undefined | null> {
    const [decision] = await this.o.permissions.authorizeConditional(
      [{ permission: novahostProjectReadPermission }],
      { credentials },
    );
    if (decision.result === AuthorizeResult.ALLOW) return undefined;
    if (decision.result === AuthorizeResult.DENY) return null;
    return this.toFilter(
      (decision as ConditionalPolicyDecision).conditions as Parameters<
        typeof this.toFilter
      >[0],
    );
  }

  /**
   * The owner of a new project: the requested one, else the caller's user,
   * or their group when they belong to exactly one. Services must name one.
   */
  async defaultOwner(
    credentials: BackstageCredentials,
    requested: string | undefined,
  ): Promise<string> {
    if (requested) return requested;
    if ((credentials.principal as { type?: string }).type !== 'user') {
      throw new InputError(
        'owner: required when a service creates a project (a group or user entity ref)',
      );
    }
    const info = await this.o.userInfo.getUserInfo(
      credentials as BackstageCredentials<BackstageUserPrincipal>,
    );
    const groups = info.ownershipEntityRefs
      .map(r => r.toLocaleLowerCase('en-US'))
      .filter(r => r.startsWith('group:'));
    return groups.length === 1
      ? groups[0]
      : info.userEntityRef.toLocaleLowerCase('en-US');
  }
}

function refusal(
  permission: NovahostProjectPermission,
  project: ProjectSubject,
): string {
  const verb = VERBS[permission.name] ?? permission.name;
  if (permission.name === novahostProjectCreatePermission.name) {
    return `You may not create a project owned by ${project.owner}: choose yourself or a group you belong to`;
  }
  const owner = project.owner
    ? `the owner (${project.owner})`
    : 'an owner (it has none)';
  return `You may not ${verb} project '${
    project.slug ?? project.id
  }': only ${owner} or a Novahost admin may`;
}
