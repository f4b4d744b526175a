import { useMemo } from 'react';
import { Link, Table, TableColumn } from '@backstage/core-components';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import {
  isTerminalStatus,
  type Deployment,
} from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { deploymentRouteRef } from '../routes';
import {
  AliasLink,
  BranchName,
  PullRequestLabel,
  sourceLabel,
  TargetChip,
} from './DeploymentGitInfo';
import type { TargetFilter } from './DeploymentFilters';
import {
  deploymentDuration,
  formatAge,
  formatDuration,
  refName,
  shortSha,
  urlHost,
} from './format';
import { ReasonButton, type ProjectPermission } from './projectPermissions';
import { StatusChip } from './StatusChip';

/** Whether and how a deployment can become production. */
export function promotion(
  d: Deployment,
  production: Pick<Deployment, 'createdAt'> | undefined,
): { label: 'Promote' | 'Rollback'; disabledReason?: string } {
  const rollback = Boolean(
    production && Date.parse(d.createdAt) < Date.parse(production.createdAt),
  );
  const label = rollback ? 'Rollback' : 'Promote';
  if (d.isProduction) {
    return { label: 'Promote', disabledReason: 'Already in production' };
  }
  if (d.status !== 'ready') {
    return {
      label,
      disabledReason: `Only ready deployments can go to production (this one is ${d.status})`,
    };
  }
  return { label };
}

function ActionButton(props: {
  label: string;
  disabledReason?: string;
  onClick(): void;
  danger?: boolean;
}) {
  return (
    <ReasonButton
      size="small"
      variant="outlined"
      color={props.danger ? 'secondary' : 'default'}
      disabledReason={props.disabledReason}
      reasonName={props.label}
      onClick={props.onClick}
      aria-label={props.label}
      style={{ whiteSpace: 'nowrap' }}
    >
      {props.label}
    </ReasonButton>
  );
}

function emptyText(target: TargetFilter, branch: string): string {
  if (target === 'preview') {
    return 'No preview deployments yet. Deploy a branch other than the production branch, or open a pull request, to make one.';
  }
  const what =
    target === 'production' ? 'production deployments' : 'deployments';
  return `No ${what} yet. Press Deploy to build ${branch}.`;
}

/**
 * A project's deployments with live status and the promote/rollback and
 * cancel actions; an action the user may not take says why (the permission
 * first: without it the deployment's state does not matter).
 */
export function DeploymentsTable(props: {
  items: Deployment[];
  production: Deployment | undefined;
  branch: string;
  /** The list's filter, for what its empty state says. */
  target: TargetFilter;
  promote: ProjectPermission;
  cancel: ProjectPermission;
  onPromote(d: Deployment, rollback: boolean): void;
  onCancel(d: Deployment): void;
}) {
  const deploymentLink = useRouteRef(deploymentRouteRef);
  const { promote, cancel, onPromote, onCancel } = props;
  // Stable columns: the table keeps its rows (and a pressed button) between
  // polls, which answer new objects; production matters only by its age.
  const productionAt = props.production?.createdAt;
  const columns = useMemo<TableColumn<Deployment>[]>(
    () => [
      {
        title: 'Status',
        render: d => (
          <Box
            display="flex"
            flexDirection="column"
            alignItems="flex-start"
            style={{ gap: 4 }}
          >
            <StatusChip status={d.status} />
            {d.isProduction && (
              <Typography variant="caption" color="primary" noWrap>
                Current production
              </Typography>
            )}
          </Box>
        ),
      },
      {
        title: 'Deployment',
        render: d =>
          deploymentLink ? (
            <Link to={deploymentLink({ deploymentId: d.id })}>{d.shortId}</Link>
          ) : (
            d.shortId
          ),
      },
      { title: 'Target', render: d => <TargetChip target={d.target} /> },
      {
        title: 'Branch',
        render: d => (
          <Box display="flex" flexDirection="column" alignItems="flex-start">
            {d.branch ? <BranchName branch={d.branch} /> : '—'}
            <Typography
              variant="caption"
              color="textSecondary"
              component="span"
              style={{ whiteSpace: 'nowrap' }}
            >
              {d.pullRequest && (
                <>
                  PR <PullRequestLabel pullRequest={d.pullRequest} />
                  {' · '}
                </>
              )}
              <span title="What started it">{sourceLabel(d.source)}</span>
            </Typography>
          </Box>
        ),
      },
      {
        title: 'Commit',
        render: d => (
          <code title={d.commitSha ?? d.ref}>{shortSha(d.commitSha)}</code>
        ),
      },
      {
        title: 'Created',
        render: d => (
          <Box display="flex" flexDirection="column" alignItems="flex-start">
            <span title={d.createdBy ?? ''} style={{ whiteSpace: 'nowrap' }}>
              {formatAge(d.createdAt)} by {refName(d.createdBy)}
            </span>
            <Typography variant="caption" color="textSecondary" noWrap>
              {isTerminalStatus(d.status) ? 'took' : 'running for'}{' '}
              {formatDuration(deploymentDuration(d))}
            </Typography>
          </Box>
        ),
      },
      {
        // Its own URL once ready, and its branch's alias (newest ready).
        title: 'URLs',
        render: d => (
          <Box display="flex" flexDirection="column" alignItems="flex-start">
            {d.status === 'ready' ? (
              <Link
                to={d.url}
                target="_blank"
                rel="noopener"
                title={d.url}
                aria-label={`Visit ${urlHost(d.url)}`}
                style={{ whiteSpace: 'nowrap' }}
              >
                Visit ↗
              </Link>
            ) : (
              '—'
            )}
            {d.aliasUrl && (
              <Typography variant="caption" component="span">
                <AliasLink aliasUrl={d.aliasUrl} wrap />
              </Typography>
            )}
          </Box>
        ),
      },
      {
        title: 'Actions',
        render: d => {
          const promo = promotion(
            d,
            productionAt ? { createdAt: productionAt } : undefined,
          );
          return (
            <Box display="flex" flexWrap="nowrap" style={{ gap: 6 }}>
              <ActionButton
                label={promo.label}
                disabledReason={promote.disabledReason ?? promo.disabledReason}
                onClick={() => onPromote(d, promo.label === 'Rollback')}
              />
              <ActionButton
                label="Cancel"
                danger
                disabledReason={
                  cancel.disabledReason ??
                  (isTerminalStatus(d.status)
                    ? `Already finished (${d.status})`
                    : undefined)
                }
                onClick={() => onCancel(d)}
              />
            </Box>
          );
        },
      },
    ],
    [
      productionAt,
      deploymentLink,
      promote.disabledReason,
      cancel.disabledReason,
      onPromote,
      onCancel,
    ],
  );

  // Stable too: the table makes its body component anew for another one,
  // which would mount every row again (and drop a click) on each poll.
  const emptyContent = useMemo(
    () => (
      <Box p={2}>
        <Typography>{emptyText(props.target, props.branch)}</Typography>
      </Box>
    ),
    [props.target, props.branch],
  );

  return (
    <Table<Deployment>
      title="Deployments"
      options={{ search: false, paging: false, padding: 'dense' }}
      columns={columns}
      data={props.items}
      emptyContent={emptyContent}
    />
  );
}
