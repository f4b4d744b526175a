/** Build pods on a dedicated node pool behind a sandboxed runtime (config and expected pod spec alike). */
export const BUILD_POOL_PLACEMENT = {
  nodeSelector: { 'novahost.dev/pool': 'builds' },
  tolerations: [
    {
      key: 'novahost.dev/builds',
      operator: 'Exists',
      effect: 'NoSchedule',
    },
  ],
  runtimeClassName: 'gvisor',
};
