import { useState } from 'react';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import {
  isTerminalStatus,
  type Deployment,
  type DeploymentStatus,
} from '@internal/plugin-novahost-common';
import DeleteIcon from '@material-ui/icons/Delete';
import { useNavigate } from 'react-router-dom';
import { errorMessage, novahostApiRef } from '../api';
import { projectRouteRef } from '../routes';
import { ConfirmDialog } from './ConfirmDialog';
import { ReasonButton, useProjectPermission } from './projectPermissions';

/**
 * Deletes a deployment that is not production, after confirmation, then
 * goes to its project. Needs the permission to update the project; the
 * production deployment says to promote another first.
 */
export function DeleteDeploymentButton(props: {
  deployment: Deployment;
  /** The live status (the stream may be ahead of `deployment`). */
  status: DeploymentStatus;
  /** The project's owner, for the reason a denied user sees. */
  owner: string | null | undefined;
}) {
  const api = useApi(novahostApiRef);
  const alertApi = useApi(alertApiRef);
  const navigate = useNavigate();
  const projectLink = useRouteRef(projectRouteRef);
  const [open, setOpen] = useState(false);
  const d = props.deployment;
  const update = useProjectPermission(
    { id: d.projectId, owner: props.owner },
    'deleteDeployment',
  );
  const disabledReason =
    update.disabledReason ??
    (d.isProduction
      ? 'This is the production deployment: promote another one first'
      : undefined);

  const remove = async () => {
    try {
      await api.deleteDeployment(d.id);
      alertApi.post({
        message: `Deployment ${d.shortId} deleted`,
        severity: 'success',
        display: 'transient',
      });
      setOpen(false);
      if (projectLink) navigate(projectLink({ projectId: d.projectId }));
    } catch (e) {
      alertApi.post({ message: errorMessage(e), severity: 'error' });
      setOpen(false);
    }
  };

  return (
    <>
      <ReasonButton
        variant="outlined"
        color="secondary"
        startIcon={<DeleteIcon />}
        disabledReason={disabledReason}
        reasonName="Delete deployment"
        onClick={() => setOpen(true)}
      >
        Delete
      </ReasonButton>
      <ConfirmDialog
        open={open}
        title={`Delete deployment ${d.shortId}?`}
        confirmLabel="Delete deployment"
        danger
        onClose={() => setOpen(false)}
        onConfirm={remove}
      >
        {!isTerminalStatus(props.status) && 'Its build is canceled first. '}
        Its build log and the files no other deployment uses are removed, and{' '}
        {d.url} stops serving.
        {d.aliasUrl &&
          ` If the branch alias ${d.aliasUrl} serves it, the alias moves to the branch's newest ready deployment left (or stops serving).`}{' '}
        This cannot be undone.
      </ConfirmDialog>
    </>
  );
}
