import {
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';

/** Sync status (Synced, OutOfSync, Unknown) with its colour. */
export function SyncStatus({ status }: { status: string }) {
  if (status === 'Synced') return <StatusOK>{status}</StatusOK>;
  if (status === 'OutOfSync') return <StatusWarning>{status}</StatusWarning>;
  return <StatusPending>{status}</StatusPending>;
}

/** Health status (Healthy, Progressing, Degraded, Suspended, Missing, Unknown). */
export function HealthStatus({ status }: { status: string }) {
  switch (status) {
    case 'Healthy':
      return <StatusOK>{status}</StatusOK>;
    case 'Progressing':
      return <StatusRunning>{status}</StatusRunning>;
    case 'Degraded':
    case 'Missing':
      return <StatusError>{status}</StatusError>;
    case 'Suspended':
      return <StatusWarning>{status}</StatusWarning>;
    default:
      return <StatusPending>{status}</StatusPending>;
  }
}
