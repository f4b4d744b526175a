import {
  isTerminalStatus,
  type DeploymentStatus,
} from '@internal/plugin-novahost-common';
import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';

const useStyles = makeStyles(theme => ({
  ready: {
    backgroundColor: theme.palette.success.main,
    color: theme.palette.success.contrastText,
  },
  failed: {
    backgroundColor: theme.palette.error.main,
    color: theme.palette.error.contrastText,
  },
  canceled: {
    backgroundColor: theme.palette.grey[500],
    color: theme.palette.getContrastText(theme.palette.grey[500]),
  },
  active: {
    backgroundColor: theme.palette.info.main,
    color: theme.palette.info.contrastText,
  },
}));

const LABELS: Record<DeploymentStatus, string> = {
  queued: 'Queued',
  building: 'Building',
  uploading: 'Uploading',
  ready: 'Ready',
  failed: 'Failed',
  canceled: 'Canceled',
};

/** A deployment's status as a coloured chip. */
export function StatusChip(props: {
  status: DeploymentStatus;
  size?: 'small' | 'medium';
}) {
  const classes = useStyles();
  const { status } = props;
  let className = classes.active;
  if (status === 'ready') className = classes.ready;
  else if (status === 'failed') className = classes.failed;
  else if (status === 'canceled') className = classes.canceled;
  return (
    <Chip
      size={props.size ?? 'small'}
      label={LABELS[status]}
      className={className}
      data-testid="deployment-status"
      aria-label={`status ${status}${
        isTerminalStatus(status) ? '' : ' (in progress)'
      }`}
    />
  );
}
