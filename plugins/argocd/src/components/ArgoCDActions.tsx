import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  argocdApplicationRefreshPermission,
  argocdApplicationSyncPermission,
} from '@internal/plugin-argocd-common';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import Tooltip from '@material-ui/core/Tooltip';
import { useState } from 'react';
import { argocdApiRef } from '../api';
import { errorMessage } from './errors';

type Props = {
  appName: string;
  entityRef: string;
  instance?: string;
  /** Called after an action succeeded, to reload the application. */
  onDone: () => void;
};

/**
 * Sync (after confirmation) and Refresh for one application. Each button is
 * disabled, with the reason in its tooltip, while the permission policy
 * denies the action on this entity; the backend checks the same permission.
 */
export function ArgoCDActions({ appName, entityRef, instance, onDone }: Props) {
  const api = useApi(argocdApiRef);
  const alertApi = useApi(alertApiRef);
  const sync = usePermission({
    permission: argocdApplicationSyncPermission,
    resourceRef: entityRef,
  });
  const refresh = usePermission({
    permission: argocdApplicationRefreshPermission,
    resourceRef: entityRef,
  });
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<'sync' | 'refresh' | undefined>();

  const run = async (action: 'sync' | 'refresh') => {
    setConfirming(false);
    setBusy(action);
    try {
      const target = { appName, entityRef, instance };
      const result =
        action === 'sync' ? await api.sync(target) : await api.refresh(target);
      alertApi.post({
        message:
          action === 'sync'
            ? `Sync of ${appName} started (${
                result.operationPhase ?? 'requested'
              })`
            : `${appName} refreshed: ${result.syncStatus}, ${result.healthStatus}`,
        severity: 'success',
        display: 'transient',
      });
      onDone();
    } catch (e) {
      alertApi.post({
        message: `Could not ${action} ${appName}: ${errorMessage(e)}`,
        severity: 'error',
      });
    } finally {
      setBusy(undefined);
    }
  };

  const reason = (p: { loading: boolean; allowed: boolean }, what: string) => {
    if (p.loading) return 'Checking permission…';
    return p.allowed ? '' : `You are not allowed to ${what} ${appName}`;
  };
  const syncReason = reason(sync, 'sync');
  const refreshReason = reason(refresh, 'refresh');

  return (
    <>
      <Tooltip title={refreshReason}>
        <span>
          <Button
            size="small"
            variant="outlined"
            disabled={!refresh.allowed || busy !== undefined}
            onClick={() => run('refresh')}
            aria-label={`Refresh ${appName}`}
          >
            {busy === 'refresh' ? 'Refreshing…' : 'Refresh'}
          </Button>
        </span>
      </Tooltip>{' '}
      <Tooltip title={syncReason}>
        <span>
          <Button
            size="small"
            variant="contained"
            color="primary"
            disabled={!sync.allowed || busy !== undefined}
            onClick={() => setConfirming(true)}
            aria-label={`Sync ${appName}`}
          >
            {busy === 'sync' ? 'Syncing…' : 'Sync'}
          </Button>
        </span>
      </Tooltip>
      {!sync.loading && !sync.allowed && (
        <span role="note" style={{ marginLeft: 8, fontSize: '0.8rem' }}>
          {syncReason}
        </span>
      )}
      <Dialog open={confirming} onClose={() => setConfirming(false)}>
        <DialogTitle>Sync {appName}?</DialogTitle>
        <DialogContent>
          <DialogContentText>
            ArgoCD will apply the target revision of {appName}
            {instance ? ` on ${instance}` : ''} to the cluster now. Resources
            that are no longer in git are kept (no prune).
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirming(false)}>Cancel</Button>
          <Button
            color="primary"
            variant="contained"
            onClick={() => run('sync')}
          >
            Sync
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
