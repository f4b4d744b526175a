import { ArgoApplication, ArgoHistoryEntry } from './types';

/** What an entity page shows about one Application. @public */
export type ArgoApplicationSummary = {
  name: string;
  instance?: string;
  syncStatus: string;
  healthStatus: string;
  /** The git revision the live state was compared with. */
  revision?: string;
  /** Why the app is not Synced and Healthy, most specific first. */
  reasons: string[];
  operation?: { phase: string; message?: string; finishedAt?: string };
  history: ArgoHistoryEntry[];
  reconciledAt?: string;
};

const MAX_RESOURCE_REASONS = 10;

const BAD_HEALTH = new Set(['Degraded', 'Missing', 'Unknown', 'Suspended']);

/**
 * Reduces an Application to status, revision, history (newest first) and the
 * reasons it is degraded or out of sync: the application's own health message,
 * each unhealthy resource with its message, each out-of-sync resource, every
 * condition (ComparisonError, SyncError, …) and a failed last operation.
 * @public
 */
export function summarizeApplication(
  app: ArgoApplication,
): ArgoApplicationSummary {
  const status = app.status ?? {};
  const syncStatus = status.sync?.status ?? 'Unknown';
  const healthStatus = status.health?.status ?? 'Unknown';
  const reasons: string[] = [];

  const resources = status.resources ?? [];
  const unhealthy = resources.filter(
    r => r.health?.status && BAD_HEALTH.has(r.health.status),
  );
  const appMessage = status.health?.message;
  // ArgoCD often copies one resource's message up to the application; the
  // resource line below says the same with its name, so show it once.
  if (
    healthStatus !== 'Healthy' &&
    appMessage &&
    !unhealthy.some(r => r.health?.message === appMessage)
  ) {
    reasons.push(appMessage);
  }
  for (const r of unhealthy.slice(0, MAX_RESOURCE_REASONS)) {
    const message = r.health?.message ? `: ${r.health.message}` : '';
    reasons.push(`${resourceName(r)} is ${r.health?.status}${message}`);
  }
  if (syncStatus === 'OutOfSync') {
    const outOfSync = resources.filter(r => r.status === 'OutOfSync');
    for (const r of outOfSync.slice(0, MAX_RESOURCE_REASONS)) {
      reasons.push(`${resourceName(r)} is OutOfSync`);
    }
    const more = outOfSync.length - MAX_RESOURCE_REASONS;
    if (more > 0) {
      reasons.push(`${more} more resources are OutOfSync`);
    }
  }
  for (const c of status.conditions ?? []) {
    reasons.push(c.message ? `${c.type}: ${c.message}` : c.type);
  }
  const op = status.operationState;
  if (op?.phase && ['Failed', 'Error'].includes(op.phase)) {
    reasons.push(
      `Last sync ${op.phase.toLowerCase()}${
        op.message ? `: ${op.message}` : ''
      }`,
    );
  }

  const history = [...(status.history ?? [])].sort(
    (a, b) => Date.parse(b.deployedAt) - Date.parse(a.deployedAt),
  );
  return {
    name: app.metadata.name,
    instance: app.metadata.instance?.name,
    syncStatus,
    healthStatus,
    revision:
      status.sync?.revision ??
      status.sync?.revisions?.[0] ??
      op?.syncResult?.revision,
    reasons,
    operation: op?.phase
      ? { phase: op.phase, message: op.message, finishedAt: op.finishedAt }
      : undefined,
    history,
    reconciledAt: status.reconciledAt,
  };
}

function resourceName(r: { kind: string; name: string; namespace?: string }) {
  return r.namespace
    ? `${r.kind} ${r.namespace}/${r.name}`
    : `${r.kind} ${r.name}`;
}
