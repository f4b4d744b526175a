import { ArgoApplication } from '@internal/plugin-argocd-common';

const instance = { name: 'main', url: 'https://argocd.example.com' };

/** Shapes of the ArgoCD backend's answers (trimmed recorded Applications). */
export const syncedApp: ArgoApplication = {
  metadata: { name: 'novahost-portal', namespace: 'argocd', instance },
  spec: { project: 'novahost' },
  status: {
    sync: {
      status: 'Synced',
      revision: '9f3c2a71d0b84e5f6a1c3d2e7b8f90a1c2d3e4f5',
    },
    health: { status: 'Healthy' },
    history: [
      {
        id: 41,
        revision: '4b1d9e2c7a6f5e3d2c1b0a9f8e7d6c5b4a3f2e1d',
        deployedAt: '2026-11-20T15:02:11Z',
        initiatedBy: { automated: true },
      },
      {
        id: 42,
        revision: '9f3c2a71d0b84e5f6a1c3d2e7b8f90a1c2d3e4f5',
        deployedAt: '2026-11-23T09:41:37Z',
        initiatedBy: { username: 'alice' },
      },
    ],
    operationState: {
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      finishedAt: '2026-11-23T09:41:37Z',
    },
  },
};

export const outOfSyncApp: ArgoApplication = {
  metadata: { name: 'novahost-proxy', namespace: 'argocd', instance },
  status: {
    sync: {
      status: 'OutOfSync',
      revision: 'c0ffee4d2b1a9e8f7d6c5b4a3f2e1d0c9b8a7f6e',
    },
    health: { status: 'Healthy' },
    resources: [
      {
        kind: 'ConfigMap',
        namespace: 'novahost',
        name: 'novahost-proxy-config',
        status: 'OutOfSync',
      },
    ],
  },
};

export const degradedApp: ArgoApplication = {
  metadata: { name: 'novahost-builds', namespace: 'argocd', instance },
  status: {
    sync: {
      status: 'Synced',
      revision: '9f3c2a71d0b84e5f6a1c3d2e7b8f90a1c2d3e4f5',
    },
    health: {
      status: 'Degraded',
      message:
        'Deployment "novahost-build-cache" exceeded its progress deadline',
    },
    operationState: {
      phase: 'Failed',
      message:
        'one or more objects failed to apply, reason: pods "novahost-build-cache" is forbidden: exceeded quota: builds-quota (retried 5 times).',
    },
  },
};
