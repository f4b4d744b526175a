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

/** What the validator says about one object, message by message. */
const messagesOf = (object: object) =>
  validateObject(object).map(p => p.message);

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
    const messages = messagesOf(
      deployment({ ports: [{ containerPort: '80' }] }),
    );
    expect(messages.join('\n')).toContain('containerPort must be integer');
    const noSelector = deployment({});
    delete (noSelector.spec as any).selector;
    expect(messagesOf(noSelector).join('\n')).toContain(
      'data/spec must have required property selector',
    );
  });

  it('reports fields Kubernetes does not know, as kubeconform -strict does', () => {
    expect(
      messagesOf(
        deployment(
          {
            readinesProbe: { httpGet: { path: '/', port: 80 } },
            securityContext: { readOnlyRootFS: true },
          },
          { replica: 2 },
        ),
      ),
    ).toEqual([
      'spec.template.spec.containers[0].readinesProbe: unknown field',
      'spec.template.spec.containers[0].securityContext.readOnlyRootFS: unknown field',
      'spec.replica: unknown field',
    ]);
  });

  it.each([
    [
      'checks custom resources against their CRD schema',
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        spec: { secretName: 's' },
      },
      'data/spec must have required property issuerRef',
    ],
    [
      'refuses a kind it has no schema for',
      { apiVersion: 'example.com/v1', kind: 'Widget' },
      'no schema for apiVersion example.com/v1 kind Widget',
    ],
  ])('%s', (_, object, message) => {
    expect(messagesOf({ metadata: { name: 'x' }, ...object })).toEqual([
      message,
    ]);
  });

  it('refuses duplicates', () => {
    const d = deployment({}) as any;
    expect(validateObjects([d, d]).map(p => p.message)).toEqual([
      'duplicate object',
    ]);
  });
});
