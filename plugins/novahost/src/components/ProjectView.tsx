import { useCallback, useState } from 'react';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import {
  isTerminalStatus,
  type Deployment,
  type Project,
} from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import { useNavigate } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { errorMessage, novahostApiRef } from '../api';
import { deploymentRouteRef, rootRouteRef } from '../routes';
import { ConfirmDialog } from './ConfirmDialog';
import { DeployBranchDialog } from './DeployBranchDialog';
import { DeploymentFilters, useTargetFilter } from './DeploymentFilters';
import { DeploymentsTable } from './DeploymentsTable';
import { EnvVarsCard } from './EnvVarsCard';
import { shortSha } from './format';
import { ProductionCard } from './ProductionCard';
import { ProjectHeader } from './ProjectHeader';
import { ProjectSettingsCard } from './ProjectSettingsCard';
import { useProjectPermission } from './projectPermissions';
import { WebhookCard } from './WebhookCard';

type Pending =
  | { kind: 'promote'; deployment: Deployment; rollback: boolean }
  | { kind: 'cancel'; deployment: Deployment }
  | { kind: 'delete' }
  | { kind: 'deployBranch' };

/**
 * Everything about one project: production, deployments with live status
 * (filtered by target), the deploy/promote/rollback/cancel/delete actions,
 * settings and the webhook setup. Used by the project page and the catalog
 * entity tab.
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
  const [target, setTarget] = useTargetFilter();

  const project = useAsyncRetry(
    () => api.getProject(props.projectId),
    [api, props.projectId],
  );
  const deployments = useAsyncRetry(
    () =>
      api.listDeployments(props.projectId, {
        limit: 50,
        ...(target === 'all' ? {} : { target }),
      }),
    [api, props.projectId, target],
  );
  const items = deployments.value?.items ?? [];
  const productionId = project.value?.productionDeploymentId;
  // Production is fetched on its own only when the list (filtered to
  // previews, or too short) does not hold it: its card and the rollback
  // labels need it.
  const listed = items.find(d => d.id === productionId);
  const productionMissing = Boolean(
    productionId && deployments.value && !listed,
  );
  const fetchedProduction = useAsync(
    async () =>
      productionMissing && productionId
        ? api.getDeployment(productionId)
        : undefined,
    [api, productionId, productionMissing],
  );
  const active = items.some(d => !isTerminalStatus(d.status));
  const refresh = () => {
    project.retry();
    deployments.retry();
  };
  // Live status: poll fast while a build runs, slowly otherwise.
  useInterval(refresh, active ? 1500 : 10_000);

  const production =
    listed ??
    (fetchedProduction.value?.id === productionId
      ? fetchedProduction.value
      : undefined);
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

  /** Deploys `ref` (the production branch by default) and opens the deployment. */
  const deploy = async (ref?: string) => {
    setDeploying(true);
    try {
      const d = await api.createDeployment(p.id, ref ? { ref } : {});
      setPending(undefined);
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
          onDeploy={() => deploy()}
          onDeployBranch={() => setPending({ kind: 'deployBranch' })}
          onDelete={
            props.allowDelete ? () => setPending({ kind: 'delete' }) : undefined
          }
        />
      </Grid>
      <Grid item xs={12} md={6}>
        <Box display="flex" flexDirection="column" style={{ gap: 24 }}>
          <ProductionCard
            project={p}
            production={production}
            loading={productionMissing && fetchedProduction.loading}
            error={productionMissing ? fetchedProduction.error : undefined}
          />
          <WebhookCard projectId={p.id} />
        </Box>
      </Grid>
      <Grid item xs={12} md={6}>
        <ProjectSettingsCard project={p} onSaved={project.retry} />
      </Grid>
      <Grid item xs={12}>
        <EnvVarsCard project={p} />
      </Grid>
      <Grid item xs={12}>
        <Box display="flex" justifyContent="flex-end" mb={1}>
          <DeploymentFilters value={target} onChange={setTarget} />
        </Box>
        <DeploymentsTable
          items={items}
          production={production}
          branch={p.branch}
          target={target}
          promote={promote}
          cancel={cancel}
          onPromote={onPromote}
          onCancel={onCancel}
        />
      </Grid>

      <DeployBranchDialog
        open={pending?.kind === 'deployBranch'}
        project={p}
        onClose={() => setPending(undefined)}
        onDeploy={deploy}
      />
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
