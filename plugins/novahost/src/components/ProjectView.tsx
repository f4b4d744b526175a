import { useMemo, useState } from 'react';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import {
  isTerminalStatus,
  type Deployment,
  type Project,
} from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import DeleteIcon from '@material-ui/icons/Delete';
import PublishIcon from '@material-ui/icons/Publish';
import { useNavigate } from 'react-router-dom';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { errorMessage, novahostApiRef } from '../api';
import { deploymentRouteRef, rootRouteRef } from '../routes';
import { ConfirmDialog } from './ConfirmDialog';
import {
  deploymentDuration,
  formatAge,
  formatDuration,
  refName,
  shortSha,
  urlHost,
} from './format';
import { ProjectSettingsCard } from './ProjectSettingsCard';
import { StatusChip } from './StatusChip';

/** A button that, when disabled, says why in a tooltip. */
function ActionButton(props: {
  label: string;
  disabledReason?: string;
  onClick(): void;
  danger?: boolean;
}) {
  const button = (
    <Button
      size="small"
      variant="outlined"
      color={props.danger ? 'secondary' : 'default'}
      disabled={Boolean(props.disabledReason)}
      onClick={props.onClick}
      aria-label={props.label}
      style={{ whiteSpace: 'nowrap' }}
    >
      {props.label}
    </Button>
  );
  if (!props.disabledReason) return button;
  // A disabled button fires no events: the tooltip needs a wrapper.
  return (
    <Tooltip title={props.disabledReason}>
      <span data-testid={`disabled-reason-${props.label}`}>{button}</span>
    </Tooltip>
  );
}

type Pending =
  | { kind: 'promote'; deployment: Deployment; rollback: boolean }
  | { kind: 'cancel'; deployment: Deployment }
  | { kind: 'delete' };

/** Whether and how a deployment can become production. */
export function promotion(
  d: Deployment,
  production: Deployment | undefined,
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

/**
 * Everything about one project: production, deployments with live status,
 * the deploy/promote/rollback/cancel/delete actions, and settings. Used by
 * the project page and the catalog entity tab.
 */
export function ProjectView(props: {
  projectId: string;
  /** Show the delete action (not from the catalog tab). */
  allowDelete?: boolean;
}) {
  const api = useApi(novahostApiRef);
  const alertApi = useApi(alertApiRef);
  const navigate = useNavigate();
  const deploymentLink = useRouteRef(deploymentRouteRef);
  const rootLink = useRouteRef(rootRouteRef);
  const [pending, setPending] = useState<Pending>();
  const [deploying, setDeploying] = useState(false);

  const project = useAsyncRetry(
    () => api.getProject(props.projectId),
    [api, props.projectId],
  );
  const deployments = useAsyncRetry(
    () => api.listDeployments(props.projectId, { limit: 50 }),
    [api, props.projectId],
  );
  const items = deployments.value?.items ?? [];
  const active = items.some(d => !isTerminalStatus(d.status));
  const refresh = () => {
    project.retry();
    deployments.retry();
  };
  // Live status: poll fast while a build runs, slowly otherwise.
  useInterval(refresh, active ? 1500 : 10_000);

  const productionId = project.value?.productionDeploymentId;
  const production = items.find(d => d.id === productionId);
  // Stable columns: the table keeps its rows (and a pressed button) between polls.
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
                Production
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
      {
        title: 'Commit',
        render: d => (
          <code title={d.commitSha ?? ''}>{shortSha(d.commitSha)}</code>
        ),
      },
      { title: 'Ref', field: 'ref' },
      {
        title: 'Created',
        render: d => (
          <span title={d.createdBy ?? ''} style={{ whiteSpace: 'nowrap' }}>
            {formatAge(d.createdAt)} by {refName(d.createdBy)}
          </span>
        ),
      },
      {
        title: 'Duration',
        render: d => formatDuration(deploymentDuration(d)),
      },
      {
        title: 'URL',
        render: d =>
          d.status === 'ready' ? (
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
          ),
      },
      {
        title: 'Actions',
        render: d => {
          const promo = promotion(d, production);
          return (
            <Box display="flex" flexWrap="nowrap" style={{ gap: 6 }}>
              <ActionButton
                label={promo.label}
                disabledReason={promo.disabledReason}
                onClick={() =>
                  setPending({
                    kind: 'promote',
                    deployment: d,
                    rollback: promo.label === 'Rollback',
                  })
                }
              />
              <ActionButton
                label="Cancel"
                danger
                disabledReason={
                  isTerminalStatus(d.status)
                    ? `Already finished (${d.status})`
                    : undefined
                }
                onClick={() => setPending({ kind: 'cancel', deployment: d })}
              />
            </Box>
          );
        },
      },
    ],
    [production, deploymentLink],
  );

  if (project.error) return <ResponseErrorPanel error={project.error} />;
  if (deployments.error) {
    return <ResponseErrorPanel error={deployments.error} />;
  }
  if (!project.value || !deployments.value) return <Progress />;
  const p: Project = project.value;

  const run = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
      alertApi.post({
        message: what,
        severity: 'success',
        display: 'transient',
      });
    } catch (e) {
      alertApi.post({ message: errorMessage(e), severity: 'error' });
    } finally {
      setPending(undefined);
      refresh();
    }
  };

  const deploy = async () => {
    setDeploying(true);
    try {
      const d = await api.createDeployment(p.id);
      if (deploymentLink) navigate(deploymentLink({ deploymentId: d.id }));
      else refresh();
    } catch (e) {
      alertApi.post({ message: errorMessage(e), severity: 'error' });
    } finally {
      setDeploying(false);
    }
  };

  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <Box display="flex" alignItems="center" style={{ gap: 8 }}>
          <Typography variant="h5" style={{ flexGrow: 1 }}>
            {p.name}{' '}
            <Typography component="span" color="textSecondary">
              {p.repoUrl} · {p.branch}
            </Typography>
          </Typography>
          <Button
            variant="contained"
            color="primary"
            startIcon={<PublishIcon />}
            disabled={deploying}
            onClick={deploy}
          >
            Deploy
          </Button>
          {props.allowDelete && (
            <Button
              variant="outlined"
              color="secondary"
              startIcon={<DeleteIcon />}
              onClick={() => setPending({ kind: 'delete' })}
            >
              Delete project
            </Button>
          )}
        </Box>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Production">
          {production ? (
            <Box data-testid="production-card">
              <Typography variant="h6">
                <Link to={p.url} target="_blank" rel="noopener">
                  {p.url}
                </Link>
              </Typography>
              <Box display="flex" alignItems="center" mt={1} style={{ gap: 8 }}>
                <StatusChip status={production.status} />
                <Typography variant="body2" color="textSecondary">
                  {production.shortId} · {shortSha(production.commitSha)} ·{' '}
                  {production.ref} · deployed {formatAge(production.createdAt)}
                </Typography>
              </Box>
            </Box>
          ) : (
            <Typography data-testid="production-card">
              Nothing in production yet. Deploy, and the first ready deployment
              of <code>{p.branch}</code> is promoted
              {p.autoPromote ? ' automatically' : ' when you promote it'}.
            </Typography>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <ProjectSettingsCard project={p} onSaved={project.retry} />
      </Grid>
      <Grid item xs={12}>
        <Table<Deployment>
          title="Deployments"
          options={{ search: false, paging: false, padding: 'dense' }}
          columns={columns}
          data={items}
          emptyContent={
            <Box p={2}>
              <Typography>
                No deployments yet. Press Deploy to build {p.branch}.
              </Typography>
            </Box>
          }
        />
      </Grid>

      <ConfirmDialog
        open={pending?.kind === 'promote'}
        title={
          pending?.kind === 'promote' && pending.rollback
            ? 'Roll back production?'
            : 'Promote to production?'
        }
        confirmLabel={
          pending?.kind === 'promote' && pending.rollback
            ? 'Roll back'
            : 'Promote'
        }
        onClose={() => setPending(undefined)}
        onConfirm={() =>
          pending?.kind === 'promote'
            ? run(`${pending.deployment.shortId} is now in production`, () =>
                api.promote(p.id, pending.deployment.id),
              )
            : undefined
        }
      >
        {pending?.kind === 'promote' && (
          <>
            {p.url} will serve deployment{' '}
            <strong>{pending.deployment.shortId}</strong> (
            {shortSha(pending.deployment.commitSha)}, {pending.deployment.ref})
            within a second, without a rebuild.
          </>
        )}
      </ConfirmDialog>
      <ConfirmDialog
        open={pending?.kind === 'cancel'}
        title="Cancel the deployment?"
        confirmLabel="Cancel deployment"
        danger
        onClose={() => setPending(undefined)}
        onConfirm={() =>
          pending?.kind === 'cancel'
            ? run(`${pending.deployment.shortId} canceled`, () =>
                api.cancelDeployment(pending.deployment.id),
              )
            : undefined
        }
      >
        The build stops and the deployment ends as canceled.
      </ConfirmDialog>
      <ConfirmDialog
        open={pending?.kind === 'delete'}
        title={`Delete ${p.name}?`}
        confirmLabel="Delete project"
        confirmText={p.slug}
        danger
        onClose={() => setPending(undefined)}
        onConfirm={async () => {
          try {
            await api.deleteProject(p.id);
            alertApi.post({
              message: `${p.name} deleted`,
              severity: 'success',
              display: 'transient',
            });
            setPending(undefined);
            if (rootLink) navigate(rootLink());
          } catch (e) {
            alertApi.post({ message: errorMessage(e), severity: 'error' });
            setPending(undefined);
          }
        }}
      >
        Every deployment, build log and stored file of {p.name} is removed, and{' '}
        {p.url} stops serving. This cannot be undone.
      </ConfirmDialog>
    </Grid>
  );
}
