import { validateObject, validateObjects } from './index.ts';

const deployment = (container: object, extra: object = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx', ...container }] },
    },
    ...extra,
  },
});

describe('validateObject', () => {
  it('accepts a valid object', () => {
    expect(
      validateObject(
        deployment({
          ports: [{ containerPort: 80 }],
          readinessProbe: { httpGet: { path: '/', port: 'http' } },
        }),
      ),
    ).toEqual([]);
  });

  it('reports wrong types and missing required fields', () => {
    const messages = validateObject(
      deployment({ ports: [{ containerPort: '80' }] }),
    ).map(p => p.message);
    expect(messages.join('\n')).toContain('containerPort must be integer');
    const noSelector = deployment({});
    delete (noSelector.spec as any).selector;
    expect(
      validateObject(noSelector)
        .map(p => p.message)
        .join('\n'),
    ).toContain('data/spec must have required property selector');
  });

  it('reports fields Kubernetes does not know, as kubeconform -strict does', () => {
    expect(
      validateObject(
        deployment(
          {
            readinesProbe: { httpGet: { path: '/', port: 80 } },
            securityContext: { readOnlyRootFS: true },
          },
          { replica: 2 },
        ),
      ).map(p => p.message),
    ).toEqual([
      'spec.template.spec.containers[0].readinesProbe: unknown field',
      'spec.template.spec.containers[0].securityContext.readOnlyRootFS: unknown field',
      'spec.replica: unknown field',
    ]);
  });

  it('checks custom resources against their CRD schema', () => {
    expect(
      validateObject({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'c' },
        spec: { secretName: 's' },
      }).map(p => p.message),
    ).toEqual(['data/spec must have required property issuerRef']);
  });

  it('refuses a kind it has no schema for, and duplicates', () => {
    expect(
      validateObject({
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w' },
      })[0].message,
    ).toBe('no schema for apiVersion example.com/v1 kind Widget');
    const d = deployment({}) as any;
    expect(validateObjects([d, d]).map(p => p.message)).toEqual([
      'duplicate object',
    ]);
  });
});
