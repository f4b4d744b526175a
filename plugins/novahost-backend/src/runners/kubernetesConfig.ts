import { Config } from '@backstage/config';
import { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import type { KubernetesRunnerOptions } from './kubernetesPod';

/** A Kubernetes label key or value, as nodeSelector takes them. */
const labelKey = z
  .string()
  .regex(
    /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
  )
  .max(317);
const labelValue = z
  .string()
  .regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/)
  .max(63);

const placementSchema = z.strictObject({
  nodeSelector: z.record(labelKey, labelValue).optional(),
  tolerations: z
    .array(
      z.strictObject({
        key: labelKey.optional(),
        operator: z.enum(['Exists', 'Equal']).optional(),
        value: labelValue.optional(),
        effect: z
          .enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])
          .optional(),
        tolerationSeconds: z.number().int().optional(),
      }),
    )
    .optional(),
  // A RuntimeClass name (DNS subdomain), e.g. gvisor or kata.
  runtimeClassName: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/)
    .max(253)
    .optional(),
});

/** Where build pods run: `nodeSelector`, `tolerations`, `runtimeClassName`. */
export function readPlacement(
  c: Config | undefined,
): Pick<
  KubernetesRunnerOptions,
  'nodeSelector' | 'tolerations' | 'runtimeClassName'
> {
  const raw = {
    nodeSelector: c?.getOptional('nodeSelector'),
    tolerations: c?.getOptional('tolerations'),
    runtimeClassName: c?.getOptional('runtimeClassName'),
  };
  const parsed = placementSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `Invalid novahost.runner.kubernetes.${issue.path.join('.')}: ${
        issue.message
      }`,
    );
  }
  const { nodeSelector, tolerations, runtimeClassName } = parsed.data;
  return {
    ...(nodeSelector ? { nodeSelector } : {}),
    ...(tolerations ? { tolerations } : {}),
    ...(runtimeClassName ? { runtimeClassName } : {}),
  };
}

/** The cluster connection: `url` + `token`, a kubeconfig file, or in-cluster. */
export function readKubeConfig(c: Config | undefined): KubeConfig {
  const kc = new KubeConfig();
  const url = c?.getOptionalString('url');
  const kubeconfig = c?.getOptionalString('kubeconfig');
  if (url) {
    kc.loadFromOptions({
      clusters: [
        {
          name: 'novahost',
          server: url,
          caData: c?.getOptionalString('caData'),
          skipTLSVerify: c?.getOptionalBoolean('skipTLSVerify') ?? false,
        },
      ],
      users: [{ name: 'novahost', token: c?.getOptionalString('token') }],
      contexts: [{ name: 'novahost', cluster: 'novahost', user: 'novahost' }],
      currentContext: 'novahost',
    });
  } else if (kubeconfig) {
    kc.loadFromFile(kubeconfig);
  } else {
    kc.loadFromCluster();
  }
  return kc;
}

/** The runner's options from `novahost.runner.kubernetes`. */
export function readRunnerOptions(
  c: Config | undefined,
  defaultApiUrl: string,
): KubernetesRunnerOptions {
  const image = c?.getOptionalString('image');
  if (!image) {
    throw new Error(
      'novahost.runner.kubernetes.image must name the build program image',
    );
  }
  const apiUrl = c?.getOptionalString('apiUrl') ?? defaultApiUrl;
  return {
    namespace: c?.getOptionalString('namespace') ?? 'novahost-builds',
    image,
    command: c?.getOptionalStringArray('command') ?? [],
    imagePullPolicy: c?.getOptionalString('imagePullPolicy'),
    apiUrl: apiUrl.replace(/\/+$/, ''),
    resources: {
      requests: {
        cpu: c?.getOptionalString('resources.requests.cpu') ?? '500m',
        memory: c?.getOptionalString('resources.requests.memory') ?? '1Gi',
      },
      limits: {
        cpu: c?.getOptionalString('resources.limits.cpu') ?? '2',
        memory: c?.getOptionalString('resources.limits.memory') ?? '4Gi',
      },
    },
    ttlSecondsAfterFinished:
      c?.getOptionalNumber('ttlSecondsAfterFinished') ?? 600,
    workVolumeSize: c?.getOptionalString('workVolumeSize') ?? '10Gi',
    serviceAccountName: c?.getOptionalString('serviceAccountName'),
    ...readPlacement(c),
  };
}
