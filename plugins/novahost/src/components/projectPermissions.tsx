import { usePermission } from '@backstage/plugin-permission-react';
import {
  novahostProjectCancelPermission,
  novahostProjectDeletePermission,
  novahostProjectDeployPermission,
  novahostProjectPromotePermission,
  novahostProjectUpdatePermission,
  type NovahostProjectPermission,
} from '@internal/plugin-novahost-common';
import Button, { type ButtonProps } from '@material-ui/core/Button';
import Tooltip from '@material-ui/core/Tooltip';

/** What the project page lets a user do, each behind its permission. */
export type ProjectAction =
  | 'update'
  | 'delete'
  | 'deploy'
  | 'promote'
  | 'cancel'
  | 'deleteDeployment';

const ACTIONS: Record<
  ProjectAction,
  { permission: NovahostProjectPermission; what: string }
> = {
  update: {
    permission: novahostProjectUpdatePermission,
    what: "change this project's settings",
  },
  delete: {
    permission: novahostProjectDeletePermission,
    what: 'delete this project',
  },
  deploy: {
    permission: novahostProjectDeployPermission,
    what: 'deploy this project',
  },
  promote: {
    permission: novahostProjectPromotePermission,
    what: "promote or roll back this project's deployments",
  },
  cancel: {
    permission: novahostProjectCancelPermission,
    what: "cancel this project's deployments",
  },
  // The backend asks the update permission for DELETE /deployments/:id.
  deleteDeployment: {
    permission: novahostProjectUpdatePermission,
    what: "delete this project's deployments",
  },
};

/** The project the decision is about; `owner` undefined when not known (yet). */
export type ProjectRef = { id: string; owner?: string | null };

/** Why the policy refuses `action`, in the words of this app's policy. */
export function deniedReason(
  owner: string | null | undefined,
  action: ProjectAction,
): string {
  const { what } = ACTIONS[action];
  if (owner === null) return `Only a Novahost admin can ${what}`;
  const who = owner ? `the owner (${owner})` : "the project's owner";
  return `Only ${who} or a Novahost admin can ${what}`;
}

/**
 * The answer of {@link useProjectPermission}: a reason whenever not allowed;
 * `denied` once the policy has said no (not while it is being asked).
 */
export type ProjectPermission = {
  allowed: boolean;
  denied: boolean;
  disabledReason?: string;
};

/**
 * Whether the signed-in user may take `action` on the project, asked of the
 * permission policy (the backend checks the same permission). Until the
 * answer is there the action counts as not allowed, with that as its reason,
 * so nothing can be pressed only to be refused.
 */
export function useProjectPermission(
  project: ProjectRef | undefined,
  action: ProjectAction,
): ProjectPermission {
  const decision = usePermission({
    permission: ACTIONS[action].permission,
    resourceRef: project?.id,
  });
  if (!project || decision.loading) {
    return {
      allowed: false,
      denied: false,
      disabledReason: 'Checking your permissions…',
    };
  }
  if (decision.error) {
    return {
      allowed: false,
      denied: true,
      disabledReason: `Could not check your permissions: ${decision.error.message}`,
    };
  }
  if (!decision.allowed) {
    return {
      allowed: false,
      denied: true,
      disabledReason: deniedReason(project.owner, action),
    };
  }
  return { allowed: true, denied: false };
}

/**
 * A button that, when disabled, says why on hover. A disabled button fires
 * no events, so the tooltip hangs on a wrapper, whose `title` also carries
 * the reason (and names it for tests: `disabled-reason-<reasonName>`). The
 * wrapper is always there, so the button stays the same element (and keeps
 * focus) when a decision arrives.
 */
export function ReasonButton(
  props: ButtonProps & { disabledReason?: string; reasonName: string },
) {
  const { disabledReason, reasonName, disabled, ...button } = props;
  return (
    <Tooltip title={disabledReason ?? ''}>
      <span
        data-testid={
          disabledReason ? `disabled-reason-${reasonName}` : undefined
        }
      >
        <Button {...button} disabled={disabled || Boolean(disabledReason)} />
      </span>
    </Tooltip>
  );
}
