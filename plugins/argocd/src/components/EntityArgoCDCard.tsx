import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Link,
  Progress,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  ArgoApplication,
  ArgoApplicationSummary,
  getArgocdAnnotations,
  summarizeApplication,
} from '@internal/plugin-argocd-common';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { argocdApiRef } from '../api';
import { ArgoCDActions } from './ArgoCDActions';
import { HealthStatus, SyncStatus } from './StatusLabel';
import { errorMessage } from './errors';

const HISTORY_ROWS = 5;

function shortRevision(revision?: string) {
  return revision && /^[0-9a-f]{40}$/.test(revision)
    ? revision.slice(0, 7)
    : revision ?? '—';
}

function when(iso?: string) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

function Application(props: {
  app: ArgoApplication;
  summary: ArgoApplicationSummary;
  entityRef: string;
  reload: () => void;
}) {
  const { app, summary: s, entityRef, reload } = props;
  const instanceUrl = app.metadata.instance?.url;
  return (
    <Box mb={2} data-testid={`argocd-app-${s.name}`}>
      <Box display="flex" alignItems="center" justifyContent="space-between">
        <Typography variant="h6">
          {instanceUrl ? (
            <Link to={`${instanceUrl}/applications/${s.name}`}>{s.name}</Link>
          ) : (
            s.name
          )}
          {s.instance && (
            <Typography variant="caption" component="span">
              {' '}
              on {s.instance}
            </Typography>
          )}
        </Typography>
        <Box>
          <ArgoCDActions
            appName={s.name}
            entityRef={entityRef}
            instance={s.instance}
            onDone={reload}
          />
        </Box>
      </Box>
      <Table size="small" aria-label={`${s.name} status`}>
        <TableBody>
          <TableRow>
            <TableCell>Sync</TableCell>
            <TableCell>
              <SyncStatus status={s.syncStatus} />
            </TableCell>
            <TableCell>Health</TableCell>
            <TableCell>
              <HealthStatus status={s.healthStatus} />
            </TableCell>
          </TableRow>
          <TableRow>
            <TableCell>Revision</TableCell>
            <TableCell title={s.revision}>
              {shortRevision(s.revision)}
            </TableCell>
            <TableCell>Last sync</TableCell>
            <TableCell>
              {s.operation
                ? `${s.operation.phase}${
                    s.operation.finishedAt
                      ? `, ${when(s.operation.finishedAt)}`
                      : ''
                  }`
                : '—'}
            </TableCell>
          </TableRow>
        </TableBody>
      </Table>
      {s.reasons.length > 0 && (
        <Box mt={1}>
          <WarningPanel
            severity={s.healthStatus === 'Degraded' ? 'error' : 'warning'}
            title={`${s.name} is ${
              s.healthStatus !== 'Healthy' ? s.healthStatus : s.syncStatus
            }`}
            defaultExpanded
          >
            <ul aria-label={`Why ${s.name} is not synced and healthy`}>
              {s.reasons.map(r => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          </WarningPanel>
        </Box>
      )}
      {s.history.length > 0 && (
        <Box mt={1}>
          <Typography variant="subtitle2">History</Typography>
          <Table size="small" aria-label={`${s.name} history`}>
            <TableHead>
              <TableRow>
                <TableCell>#</TableCell>
                <TableCell>Revision</TableCell>
                <TableCell>Deployed</TableCell>
                <TableCell>By</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {s.history.slice(0, HISTORY_ROWS).map(h => (
                <TableRow key={h.id}>
                  <TableCell>{h.id}</TableCell>
                  <TableCell title={h.revision}>
                    {shortRevision(h.revision ?? h.revisions?.[0])}
                  </TableCell>
                  <TableCell>{when(h.deployedAt)}</TableCell>
                  <TableCell>
                    {h.initiatedBy?.username ??
                      (h.initiatedBy?.automated ? 'automated' : '—')}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
    </Box>
  );
}

/**
 * The ArgoCD card of an entity annotated with `argocd/app-name` (and
 * optionally `argocd/instance-name`): sync status, health, revision, the
 * reasons it is degraded or out of sync, history, and the Sync and Refresh
 * actions.
 * @public
 */
export function EntityArgoCDCard() {
  const { entity } = useEntity();
  const api = useApi(argocdApiRef);
  const annotations = getArgocdAnnotations(entity);
  const entityRef = stringifyEntityRef(entity);
  const state = useAsyncRetry(async () => {
    if (!annotations) return [];
    return api.getApplications(annotations);
  }, [api, annotations?.appName, annotations?.instanceName]);

  let content;
  if (!annotations) {
    content = <Typography>This entity has no argocd/app-name.</Typography>;
  } else if (state.loading && !state.value) {
    content = <Progress />;
  } else if (state.error) {
    content = (
      <WarningPanel
        severity="error"
        title={`ArgoCD is unavailable for ${annotations.appName}`}
        message={errorMessage(state.error)}
      />
    );
  } else if (!state.value?.length) {
    content = (
      <Typography>
        No ArgoCD application named {annotations.appName} was found
        {annotations.instanceName ? ` on ${annotations.instanceName}` : ''}.
      </Typography>
    );
  } else {
    content = state.value.map(app => (
      <Application
        key={`${app.metadata.instance?.name}/${app.metadata.name}`}
        app={app}
        summary={summarizeApplication(app)}
        entityRef={entityRef}
        reload={state.retry}
      />
    ));
  }
  return <InfoCard title="ArgoCD">{content}</InfoCard>;
}
