import { parse } from 'yaml';
import {
  checkChart,
  mergedValues,
  validateValues,
  VALUE_SETS,
  type KubeObject,
} from './index.ts';

const RELEASE_NS = 'novahost';

describe.each(VALUE_SETS)(
  'charts/novahost with $name',
  ({ valueFiles, name }) => {
    const report = checkChart(valueFiles, name);
    const objects = report.objects;
    const values = mergedValues({ valueFiles }) as any;
    const buildNs: string = values.buildRunner.namespace;
    const of = (kind: string) => objects.filter(o => o.kind === kind);
    const one = (kind: string, nameSuffix: string): KubeObject => {
      const found = of(kind).filter(o => o.metadata.name.endsWith(nameSuffix));
      expect(found).toHaveLength(1);
      return found[0];
    };
    const deployments = () => of('Deployment');
    const podSpecs = () =>
      deployments().map(d => ({
        name: d.metadata.name,
        spec: d.spec.template.spec,
      }));

    it('has valid values and renders objects that all validate', () => {
      expect(report.valuesProblems).toEqual([]);
      expect(report.schemaProblems).toEqual([]);
      expect(report.lintProblems).toEqual([]);
      expect(objects.map(o => o.kind).sort()).toEqual(
        expect.arrayContaining([
          'Certificate',
          'ConfigMap',
          'Deployment',
          'HorizontalPodAutoscaler',
          'Ingress',
          'Namespace',
          'NetworkPolicy',
          'PodDisruptionBudget',
          'Role',
          'RoleBinding',
          'Service',
          'ServiceAccount',
        ]),
      );
    });

    it('runs nothing as root, with no privilege escalation and a read-only root file system', () => {
      expect(podSpecs()).toHaveLength(2);
      for (const { name: pod, spec } of podSpecs()) {
        expect({ pod, ...spec.securityContext }).toMatchObject({
          pod,
          runAsNonRoot: true,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
        expect(spec.hostNetwork ?? false).toBe(false);
        expect(spec.hostPID ?? false).toBe(false);
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
          expect({
            pod,
            container: c.name,
            ...c.securityContext,
          }).toMatchObject({
            pod,
            container: c.name,
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          });
          expect(c.securityContext.runAsUser ?? 1).not.toBe(0);
          expect(c.resources.requests.cpu).toBeDefined();
          expect(c.resources.requests.memory).toBeDefined();
          expect(c.resources.limits.memory).toBeDefined();
        }
      }
    });

    it('mounts a service-account token only into the backend, which manages build Jobs', () => {
      for (const sa of of('ServiceAccount')) {
        expect({
          sa: sa.metadata.name,
          automount: sa.automountServiceAccountToken,
        }).toEqual({
          sa: sa.metadata.name,
          automount: false,
        });
      }
      const automount = Object.fromEntries(
        podSpecs().map(p => [p.name, p.spec.automountServiceAccountToken]),
      );
      expect(automount).toEqual({
        'novahost-backend': true,
        'novahost-proxy': false,
      });
      const buildSa = of('ServiceAccount').find(
        s => s.metadata.namespace === buildNs,
      );
      expect(buildSa?.metadata.name).toBe(
        values.buildRunner.serviceAccount.name,
      );
    });

    it('limits the runner to Jobs, their pods and logs, and their token Secrets in the build namespace', () => {
      expect(of('ClusterRole')).toEqual([]);
      expect(of('ClusterRoleBinding')).toEqual([]);
      const runnerRoles = of('Role').filter(r =>
        r.metadata.name.endsWith('-build-runner'),
      );
      expect(runnerRoles).toHaveLength(1);
      const role = runnerRoles[0];
      expect(role.metadata.namespace).toBe(buildNs);
      expect(buildNs).not.toBe(RELEASE_NS);
      expect(role.rules).toEqual([
        {
          apiGroups: ['batch'],
          resources: ['jobs'],
          verbs: ['create', 'get', 'list', 'delete'],
        },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
        // The build container's log, which the backend follows.
        { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
        // Each build's token Secret: created, read by name, deleted; never
        // listed or watched.
        {
          apiGroups: [''],
          resources: ['secrets'],
          verbs: ['create', 'get', 'delete'],
        },
      ]);
      const [binding] = of('RoleBinding').filter(
        b => b.roleRef.name === role.metadata.name,
      );
      expect(binding.metadata.namespace).toBe(buildNs);
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: role.metadata.name,
      });
      expect(binding.subjects).toEqual([
        {
          kind: 'ServiceAccount',
          name: 'novahost-backend',
          namespace: RELEASE_NS,
        },
      ]);
    });

    it('grants nothing else but read access for the portal views, never to other secrets', () => {
      const namespaces = new Set([RELEASE_NS, buildNs]);
      const rules = of('Role').flatMap(r =>
        r.rules.map((rule: any) => ({ role: r.metadata, ...rule })),
      );
      expect(
        of('Role').filter(r => !namespaces.has(r.metadata.namespace!)),
      ).toEqual([]);
      const writes = rules.filter(
        r =>
          !r.role.name.endsWith('-build-runner') &&
          r.verbs.some((v: string) => !['get', 'list', 'watch'].includes(v)),
      );
      expect(writes).toEqual([]);
      // The one exception: the runner's token Secrets in the build namespace.
      const secretRules = rules.filter(r => r.resources.includes('secrets'));
      expect(secretRules.map(r => [r.role.name, r.role.namespace])).toEqual([
        [expect.stringMatching(/-build-runner$/), buildNs],
      ]);
      const broad = rules.filter(
        r =>
          r !== secretRules[0] &&
          (r.verbs.includes('*') ||
            r.resources.includes('*') ||
            r.apiGroups.includes('*') ||
            r.resources.some((x: string) =>
              [
                'secrets',
                'pods/exec',
                'pods/attach',
                'serviceaccounts/token',
              ].includes(x),
            )),
      );
      expect(broad).toEqual([]);
      for (const b of of('RoleBinding')) {
        expect(b.subjects).toEqual([
          {
            kind: 'ServiceAccount',
            name: 'novahost-backend',
            namespace: RELEASE_NS,
          },
        ]);
      }
    });

    it('lets build pods reach the internet and the backend API, nothing else in the cluster', () => {
      const [policy] = of('NetworkPolicy');
      expect(policy.metadata.namespace).toBe(buildNs);
      expect(policy.spec.podSelector).toEqual({});
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(policy.spec.ingress).toEqual([]);
      const egress: any[] = policy.spec.egress;
      const internet = egress.find(r => r.to.some((p: any) => p.ipBlock));
      expect(internet.to).toEqual([
        {
          ipBlock: {
            cidr: '0.0.0.0/0',
            except: expect.arrayContaining([
              '10.0.0.0/8',
              '172.16.0.0/12',
              '192.168.0.0/16',
              '169.254.0.0/16',
            ]),
          },
        },
      ]);
      const inCluster = egress.filter(r => r !== internet);
      expect(inCluster).toHaveLength(2);
      // The cluster DNS on port 53 only.
      expect(inCluster[0].to[0].namespaceSelector.matchLabels).toEqual({
        'kubernetes.io/metadata.name': 'kube-system',
      });
      expect(inCluster[0].ports.map((p: any) => p.port)).toEqual([53, 53]);
      // The backend's pods in the release namespace, on its API port only.
      const backend = one('Deployment', '-backend');
      expect(inCluster[1].to).toEqual([
        {
          namespaceSelector: {
            matchLabels: { 'kubernetes.io/metadata.name': RELEASE_NS },
          },
          podSelector: { matchLabels: backend.spec.selector.matchLabels },
        },
      ]);
      expect(inCluster[1].ports).toEqual([{ protocol: 'TCP', port: 7007 }]);
      // …which is where the build program is told to upload.
      const env = backend.spec.template.spec.containers[0].env;
      const apiUrl = env.find(
        (e: any) => e.name === 'NOVAHOST_BUILD_API_URL',
      ).value;
      expect(apiUrl).toBe(
        `http://novahost-backend.${RELEASE_NS}.svc.cluster.local:7007/api/novahost`,
      );
    });

    it('enforces the restricted Pod Security Standard in the build namespace', () => {
      const ns = of('Namespace').find(n => n.metadata.name === buildNs);
      expect(ns?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe(
        'restricted',
      );
    });

    it('takes every secret by reference, from the Secrets named in the values', () => {
      expect(of('Secret')).toEqual([]);
      const allowed = new Set(
        ['database', 'redis', 'r2', 'auth', 'oauth', 'argocd'].map(
          k => values[k].existingSecret,
        ),
      );
      expect(allowed.size).toBe(6);
      const env = podSpecs().flatMap(({ spec }) =>
        spec.containers.flatMap((c: any) => c.env),
      );
      // Anything secret-looking comes from a Secret, never a literal value.
      const literalSecrets = env.filter(
        (e: any) =>
          /SECRET|PASSWORD|TOKEN|ACCESS_KEY|USER$|REDIS_URL/.test(e.name) &&
          (e.value !== undefined || !e.valueFrom?.secretKeyRef),
      );
      expect(literalSecrets).toEqual([]);
      const used = new Set(
        env
          .map((e: any) => e.valueFrom?.secretKeyRef?.name)
          .filter((n: string | undefined) => n !== undefined),
      );
      expect(used).toEqual(allowed);
      const config = one('ConfigMap', '-app-config').data[
        'app-config.chart.yaml'
      ];
      expect(config).not.toMatch(/secret|password|token:/i);
    });

    it('probes real health endpoints', () => {
      const backend = one('Deployment', '-backend').spec.template.spec
        .containers[0];
      expect(backend.readinessProbe.httpGet).toEqual({
        path: '/.backstage/health/v1/readiness',
        port: 'http',
      });
      expect(backend.livenessProbe.httpGet.path).toBe(
        '/.backstage/health/v1/liveness',
      );
      expect(backend.ports).toEqual([
        { name: 'http', containerPort: 7007, protocol: 'TCP' },
      ]);
      const proxy = one('Deployment', '-proxy').spec.template.spec
        .containers[0];
      expect(proxy.readinessProbe.httpGet).toEqual({
        path: '/readyz',
        port: 'admin',
      });
      expect(proxy.livenessProbe.httpGet).toEqual({
        path: '/healthz',
        port: 'admin',
      });
      expect(proxy.ports.map((p: any) => p.containerPort)).toEqual([
        8080, 8081,
      ]);
    });

    it('routes the portal and *.<domain> through TLS from a DNS-01 wildcard certificate', () => {
      const cert = one('Certificate', '');
      expect(cert.spec.dnsNames).toEqual([
        values.domain,
        `*.${values.domain}`,
        values.portal.host,
      ]);
      const issuer = one('ClusterIssuer', '');
      expect(cert.spec.issuerRef).toEqual({
        group: 'cert-manager.io',
        kind: 'ClusterIssuer',
        name: issuer.metadata.name,
      });
      expect(issuer.spec.acme.solvers[0].dns01).toBeDefined();
      expect(issuer.spec.acme.solvers[0].http01).toBeUndefined();
      // The issuer solves DNS-01 for every name, portal and sites alike.
      const zones: string[] = issuer.spec.acme.solvers[0].selector.dnsZones;
      for (const dnsName of cert.spec.dnsNames as string[]) {
        const zone = zones.find(
          z => dnsName === z || dnsName.endsWith(`.${z}`),
        );
        expect({ dnsName, zone }).toEqual({
          dnsName,
          zone: expect.any(String),
        });
      }
      const portal = one('Ingress', '-portal');
      const sites = one('Ingress', '-sites');
      expect(portal.spec.rules[0].host).toBe(values.portal.host);
      expect(portal.spec.rules[0].http.paths[0].backend.service.name).toBe(
        'novahost-backend',
      );
      expect(sites.spec.rules[0].host).toBe(`*.${values.domain}`);
      expect(sites.spec.rules[0].http.paths[0].backend.service.name).toBe(
        'novahost-proxy',
      );
      for (const ingress of [portal, sites]) {
        expect(ingress.spec.tls[0].secretName).toBe(cert.spec.secretName);
      }
    });

    it('scales and protects the proxy', () => {
      const hpa = one('HorizontalPodAutoscaler', '-proxy');
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'novahost-proxy',
      });
      expect(hpa.spec.minReplicas).toBe(values.proxy.autoscaling.minReplicas);
      // With an HPA the Deployment leaves replicas to it.
      expect(one('Deployment', '-proxy').spec.replicas).toBeUndefined();
      const pdb = one('PodDisruptionBudget', '-proxy');
      expect(pdb.spec.selector.matchLabels).toEqual(
        one('Deployment', '-proxy').spec.selector.matchLabels,
      );
    });

    it('places build pods where the values say: node pool, tolerations, runtime class', () => {
      const config = parse(
        one('ConfigMap', '-app-config').data['app-config.chart.yaml'],
      );
      const k8s = config.novahost.runner.kubernetes;
      const { nodeSelector, tolerations, runtimeClassName } =
        values.buildRunner;
      expect(k8s.nodeSelector).toEqual(
        Object.keys(nodeSelector).length ? nodeSelector : undefined,
      );
      expect(k8s.tolerations).toEqual(
        tolerations.length ? tolerations : undefined,
      );
      expect(k8s.runtimeClassName).toEqual(runtimeClassName || undefined);
    });

    it('tells the backend which image and service account builds use', () => {
      const env = one('Deployment', '-backend').spec.template.spec.containers[0]
        .env;
      const image = env.find(
        (e: any) => e.name === 'NOVAHOST_BUILD_IMAGE',
      ).value;
      const tag = values.buildRunner.image.tag || '0.1.0';
      expect(image).toBe(`${values.buildRunner.image.repository}:${tag}`);
      const config = one('ConfigMap', '-app-config').data[
        'app-config.chart.yaml'
      ];
      expect(config).toContain(
        `serviceAccountName: ${values.buildRunner.serviceAccount.name}`,
      );
    });
  },
);

describe('values.schema.json', () => {
  const valid = () => mergedValues({}) as any;

  it.each([
    [
      'an unknown key',
      (v: any) => (v.backend.imagee = {}),
      'must NOT have additional properties (imagee)',
    ],
    [
      'a tag that YAML read as a number',
      (v: any) => (v.proxy.image.tag = 1234567),
      'must be string',
    ],
    [
      'a tag with a space',
      (v: any) => (v.proxy.image.tag = 'a b'),
      'must match pattern',
    ],
    [
      'a bad pull policy',
      (v: any) => (v.backend.image.pullPolicy = 'Sometimes'),
      'must be equal to one of the allowed values',
    ],
    [
      'a domain with a scheme',
      (v: any) => (v.domain = 'https://novahost.app'),
      'must match pattern',
    ],
    [
      'a missing database secret',
      (v: any) => delete v.database.existingSecret,
      "must have required property 'existingSecret'",
    ],
    [
      'an inline secret value',
      (v: any) => (v.r2.secretAccessKey = 'hunter2'),
      'must NOT have additional properties',
    ],
    [
      'a DNS-01 issuer without any solver',
      (v: any) =>
        (v.certManager.clusterIssuer.dns01.cloudflare.enabled = false),
      'solver must NOT have fewer than 1 properties',
    ],
    ['zero replicas', (v: any) => (v.backend.replicas = 0), 'must be >= 1'],
    [
      'a bad memory quantity',
      (v: any) => (v.proxy.resources.limits.memory = '1 GB'),
      'must match pattern',
    ],
    [
      'a non-CIDR in clusterCidrs',
      (v: any) => (v.buildRunner.networkPolicy.clusterCidrs = ['everything']),
      'must match pattern',
    ],
    [
      'a build toleration with an unknown operator',
      (v: any) =>
        (v.buildRunner.tolerations = [{ key: 'a', operator: 'Sometimes' }]),
      'must be equal to one of the allowed values',
    ],
    [
      'a build runtime class that is no Kubernetes name',
      (v: any) => (v.buildRunner.runtimeClassName = 'G Visor'),
      'must match pattern',
    ],
    [
      'an R2 endpoint over http',
      (v: any) => (v.r2.endpoint = 'http://x.r2.cloudflarestorage.com'),
      'must match pattern',
    ],
  ])('rejects %s', (_what, mutate, message) => {
    const v = valid();
    mutate(v);
    expect(validateValues(v).join('\n')).toContain(message);
  });

  it('runs production builds on the build node pool, under gVisor', () => {
    const production = VALUE_SETS.find(
      set => set.name === 'values-production.yaml',
    )!;
    const values = mergedValues({ valueFiles: production.valueFiles }) as any;
    expect(values.buildRunner).toMatchObject({
      nodeSelector: { 'novahost.dev/pool': 'builds' },
      tolerations: [
        {
          key: 'novahost.dev/builds',
          operator: 'Exists',
          effect: 'NoSchedule',
        },
      ],
      runtimeClassName: 'gvisor',
    });
  });

  it('accepts the defaults and production values', () => {
    for (const set of VALUE_SETS) {
      expect(
        validateValues(mergedValues({ valueFiles: set.valueFiles })),
      ).toEqual([]);
    }
  });
});
