import { useState } from 'react';
import {
  Content,
  InfoCard,
  Link,
  LogViewer,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import {
  isTerminalStatus,
  type Deployment,
  type DeploymentStatus,
} from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Grid from '@material-ui/core/Grid';
import Step from '@material-ui/core/Step';
import StepLabel from '@material-ui/core/StepLabel';
import Stepper from '@material-ui/core/Stepper';
import Switch from '@material-ui/core/Switch';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { errorMessage, novahostApiRef } from '../api';
import { projectRouteRef } from '../routes';
import { ConfirmDialog } from './ConfirmDialog';
import { DeleteDeploymentButton } from './DeleteDeploymentButton';
import { DeploymentGitInfo } from './DeploymentGitInfo';
import { deploymentDuration, formatDuration, shortSha } from './format';
import { ReasonButton, useProjectPermission } from './projectPermissions';
import { RedeployButton } from './RedeployButton';
import { StatusChip } from './StatusChip';
import { useDeploymentLog } from './useDeploymentLog';

const PHASES = ['queued', 'building', 'uploading', 'ready'] as const;

/** How long each phase took (or has taken so far); undefined when not reached. */
export function phaseDurations(
  d: Deployment,
  now: number = Date.now(),
): Array<number | undefined> {
  const t = (iso: string | null) => (iso ? Date.parse(iso) : undefined);
  const created = Date.parse(d.createdAt);
  const started = t(d.startedAt);
  const uploading = t(d.uploadingAt);
  const finished = t(d.finishedAt);
  const end = finished ?? now;
  return [
    (started ?? end) - created,
    started !== undefined ? (uploading ?? end) - started : undefined,
    uploading !== undefined ? end - uploading : undefined,
    undefined,
  ];
}

function activeStep(status: DeploymentStatus, d: Deployment): number {
  if (status === 'ready') return PHASES.length;
  if (status === 'failed' || status === 'canceled') {
    if (d.uploadingAt) return 2;
    if (d.startedAt) return 1;
    return 0;
  }
  return PHASES.indexOf(status);
}

function Phases(props: { deployment: Deployment; status: DeploymentStatus }) {
  const { deployment: d, status } = props;
  const durations = phaseDurations(d);
  const step = activeStep(status, d);
  const failed = status === 'failed' || status === 'canceled';
  return (
    <Stepper activeStep={step} alternativeLabel data-testid="phases">
      {PHASES.map((phase, i) => (
        <Step key={phase} completed={i < step}>
          <StepLabel
            error={failed && i === step}
            optional={
              durations[i] !== undefined && i <= step ? (
                <Typography variant="caption">
                  {formatDuration(durations[i]!)}
                </Typography>
              ) : undefined
            }
          >
            {failed && i === step ? `${phase} (${status})` : phase}
          </StepLabel>
        </Step>
      ))}
    </Stepper>
  );
}

/** A deployment: its phases, elapsed time and live build log. */
export function DeploymentView(props: { deploymentId: string }) {
  const api = useApi(novahostApiRef);
  const alertApi = useApi(alertApiRef);
  const projectLink = useRouteRef(projectRouteRef);
  const log = useDeploymentLog(props.deploymentId);
  const [follow, setFollow] = useState(true);
  const [frozen, setFrozen] = useState<number>();
  const [canceling, setCanceling] = useState(false);
  const [, tick] = useState(0);

  const deployment = useAsyncRetry(
    () => api.getDeployment(props.deploymentId),
    [api, props.deploymentId, log.finished, log.status],
  );
  const d = deployment.value;
  const status: DeploymentStatus | undefined =
    log.finished?.status ?? log.status ?? d?.status;
  const running = status !== undefined && !isTerminalStatus(status);
  // The project only names its owner in the reason Cancel is not allowed.
  const projectId = d?.projectId;
  const project = useAsync(
    async () => (projectId ? api.getProject(projectId) : undefined),
    [api, projectId],
  );
  const cancel = useProjectPermission(
    projectId ? { id: projectId, owner: project.value?.owner } : undefined,
    'cancel',
  );
  // The elapsed time ticks while the build runs.
  useInterval(() => tick(n => n + 1), running ? 1000 : null);

  if (deployment.error) return <ResponseErrorPanel error={deployment.error} />;
  if (!d || !status) return <Progress />;

  const shown = follow ? log.lines : log.lines.slice(0, frozen);
  const hidden = log.lines.length - shown.length;
  const error = log.finished?.error ?? d.error;

  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <Box display="flex" alignItems="center" style={{ gap: 12 }}>
          <Typography variant="h5">Deployment {d.shortId}</Typography>
          <StatusChip status={status} size="medium" />
          {d.isProduction && (
            <Typography color="primary">Current production</Typography>
          )}
          <Box flexGrow={1} />
          {projectLink && (
            <Link to={projectLink({ projectId: d.projectId })}>
              Back to the project
            </Link>
          )}
          <ReasonButton
            variant="outlined"
            color="secondary"
            disabledReason={
              cancel.disabledReason ??
              (running ? undefined : `Already finished (${status})`)
            }
            reasonName="Cancel"
            onClick={() => setCanceling(true)}
          >
            Cancel
          </ReasonButton>
          <RedeployButton deployment={d} owner={project.value?.owner} />
          <DeleteDeploymentButton
            deployment={d}
            status={status}
            owner={project.value?.owner}
          />
        </Box>
      </Grid>
      <Grid item xs={12}>
        <InfoCard>
          <Box px={2} pb={1}>
            <DeploymentGitInfo deployment={d} />
          </Box>
          <Phases deployment={d} status={status} />
          <Box display="flex" flexWrap="wrap" style={{ gap: 24 }} px={2}>
            <Typography variant="body2" data-testid="elapsed">
              {running ? 'Elapsed' : 'Took'}{' '}
              {formatDuration(deploymentDuration(d))}
            </Typography>
            <Typography variant="body2">
              Ref <code>{d.ref}</code> · commit{' '}
              <code>{shortSha(d.commitSha ?? log.commitSha ?? null)}</code>
            </Typography>
            <Typography variant="body2">by {d.createdBy ?? '—'}</Typography>
            {status === 'ready' && (
              <Typography variant="body2">
                <Link to={d.url} target="_blank" rel="noopener">
                  {d.url}
                </Link>
              </Typography>
            )}
            {d.stats && (
              <Typography variant="body2">
                {d.stats.files} files, {d.stats.newBlobs} new
              </Typography>
            )}
          </Box>
          {status === 'failed' && error && (
            <Box mt={2}>
              <Alert severity="error">{error}</Alert>
            </Box>
          )}
          {status === 'canceled' && (
            <Box mt={2}>
              <Alert severity="warning">{error ?? 'Canceled'}</Alert>
            </Box>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <Box display="flex" alignItems="center" style={{ gap: 16 }}>
          <Typography variant="h6">Build log</Typography>
          <FormControlLabel
            control={
              <Switch
                checked={follow}
                onChange={e => {
                  setFollow(e.target.checked);
                  setFrozen(e.target.checked ? undefined : log.lines.length);
                }}
              />
            }
            label="Follow"
          />
          {hidden > 0 && (
            <Typography variant="body2" color="textSecondary">
              {hidden} new line{hidden === 1 ? '' : 's'} (paused)
            </Typography>
          )}
          {log.reconnecting && (
            <Typography variant="body2" color="textSecondary" role="status">
              Connection lost, reconnecting (attempt {log.reconnecting.attempt}
              )…
            </Typography>
          )}
          {running && !log.reconnecting && (
            <Typography variant="body2" color="textSecondary" role="status">
              Live
            </Typography>
          )}
        </Box>
        {log.error && <ResponseErrorPanel error={log.error} />}
        <Box height={480} data-testid="build-log">
          <LogViewer text={shown.join('\n')} />
        </Box>
      </Grid>
      <ConfirmDialog
        open={canceling}
        title="Cancel the deployment?"
        confirmLabel="Cancel deployment"
        danger
        onClose={() => setCanceling(false)}
        onConfirm={async () => {
          try {
            await api.cancelDeployment(d.id);
          } catch (e) {
            alertApi.post({ message: errorMessage(e), severity: 'error' });
          }
          setCanceling(false);
          deployment.retry();
        }}
      >
        The build stops and the deployment ends as canceled.
      </ConfirmDialog>
    </Grid>
  );
}

/** The deployment page (route `/deployments/:deploymentId`). */
export function DeploymentPage() {
  const { deploymentId } = useParams();
  return (
    <Content>
      <DeploymentView deploymentId={deploymentId!} />
    </Content>
  );
}
