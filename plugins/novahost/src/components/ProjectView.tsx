import { useCallback, useState } from 'react';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import {
  isTerminalStatus,
  type Deployment,
  type Project,
} from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { useNavigate } from 'react-router-dom';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { errorMessage, novahostApiRef } from '../api';
import { deploymentRouteRef, rootRouteRef } from '../routes';
import { ConfirmDialog } from './ConfirmDialog';
import { DeploymentsTable } from './DeploymentsTable';
import { formatAge, shortSha } from './format';
import { ProjectHeader } from './ProjectHeader';
import { ProjectSettingsCard } from './ProjectSettingsCard';
import { useProjectPermission } from './projectPermissions';
import { StatusChip } from './StatusChip';

type Pending =
  | { kind: 'promote'; deployment: Deployment; rollback: boolean }
  | { kind: 'cancel'; deployment: Deployment }
  | { kind: 'delete' };

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
  const promote = useProjectPermission(project.value, 'promote');
  const cancel = useProjectPermission(project.value, 'cancel');
  // Stable callbacks: the table keeps its columns between polls.
  const onPromote = useCallback(
    (deployment: Deployment, rollback: boolean) =>
      setPending({ kind: 'promote', deployment, rollback }),
    [],
  );
  const onCancel = useCallback(
    (deployment: Deployment) => setPending({ kind: 'cancel', deployment }),
    [],
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
        <ProjectHeader
          project={p}
          deploying={deploying}
          onDeploy={deploy}
          onDelete={
            props.allowDelete ? () => setPending({ kind: 'delete' }) : undefined
          }
        />
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
        <DeploymentsTable
          items={items}
          production={production}
          branch={p.branch}
          promote={promote}
          cancel={cancel}
          onPromote={onPromote}
          onCancel={onCancel}
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
