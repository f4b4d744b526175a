import { useState } from 'react';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import type { Deployment } from '@internal/plugin-novahost-common';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import ReplayIcon from '@material-ui/icons/Replay';
import { useNavigate } from 'react-router-dom';
import { errorMessage, novahostApiRef } from '../api';
import { deploymentRouteRef } from '../routes';
import { ConfirmDialog } from './ConfirmDialog';
import { shortSha } from './format';
import { ReasonButton, useProjectPermission } from './projectPermissions';

/**
 * Builds the deployment's commit again, as a new deployment of the same
 * branch and target, with the project's current variables (optionally
 * without the build cache), then opens it. Needs the deploy permission.
 */
export function RedeployButton(props: {
  deployment: Deployment;
  /** The project's owner, for the reason a denied user sees. */
  owner: string | null | undefined;
}) {
  const api = useApi(novahostApiRef);
  const alertApi = useApi(alertApiRef);
  const navigate = useNavigate();
  const deploymentLink = useRouteRef(deploymentRouteRef);
  const [open, setOpen] = useState(false);
  const [withoutCache, setWithoutCache] = useState(false);
  const d = props.deployment;
  const deploy = useProjectPermission(
    { id: d.projectId, owner: props.owner },
    'deploy',
  );

  const redeploy = async () => {
    try {
      const created = await api.redeploy(
        d.id,
        withoutCache ? { cache: false } : {},
      );
      setOpen(false);
      if (deploymentLink) {
        navigate(deploymentLink({ deploymentId: created.id }));
      }
    } catch (e) {
      alertApi.post({ message: errorMessage(e), severity: 'error' });
      setOpen(false);
    }
  };

  const what = d.commitSha ? `commit ${shortSha(d.commitSha)}` : d.ref;
  return (
    <>
      <ReasonButton
        variant="outlined"
        startIcon={<ReplayIcon />}
        disabledReason={deploy.disabledReason}
        reasonName="Redeploy"
        onClick={() => {
          setWithoutCache(false);
          setOpen(true);
        }}
      >
        Redeploy
      </ReasonButton>
      <ConfirmDialog
        open={open}
        title={`Redeploy ${d.shortId}?`}
        confirmLabel="Redeploy"
        onClose={() => setOpen(false)}
        onConfirm={redeploy}
      >
        A new {d.target} deployment builds {what}
        {d.branch ? ` of ${d.branch}` : ''} again, with the project's current
        environment variables.
        <FormControlLabel
          style={{ display: 'flex', marginTop: 8 }}
          label="Without the build cache"
          control={
            <Checkbox
              checked={withoutCache}
              onChange={e => setWithoutCache(e.target.checked)}
            />
          }
        />
      </ConfirmDialog>
    </>
  );
}
