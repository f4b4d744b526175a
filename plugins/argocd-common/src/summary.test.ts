import { summarizeApplication } from './summary';
import { ArgoApplication } from './types';

const app = (status: ArgoApplication['status']): ArgoApplication => ({
  metadata: { name: 'site', instance: { name: 'main', url: 'https://a' } },
  status,
});

describe('summarizeApplication', () => {
  it('treats a missing status as Unknown with no reasons', () => {
    expect(summarizeApplication(app(undefined))).toMatchObject({
      name: 'site',
      instance: 'main',
      syncStatus: 'Unknown',
      healthStatus: 'Unknown',
      reasons: [],
      history: [],
    });
  });

  it("keeps the app's own health message when no resource carries it", () => {
    const s = summarizeApplication(
      app({
        health: { status: 'Degraded', message: 'quota exceeded' },
        resources: [
          {
            kind: 'Deployment',
            name: 'web',
            namespace: 'prod',
            health: { status: 'Degraded', message: 'crash looping' },
          },
        ],
      }),
    );
    expect(s.reasons).toEqual([
      'quota exceeded',
      'Deployment prod/web is Degraded: crash looping',
    ]);
  });

  it('ignores a health message while Healthy', () => {
    expect(
      summarizeApplication(
        app({ health: { status: 'Healthy', message: 'old message' } }),
      ).reasons,
    ).toEqual([]);
  });

  it('lists at most ten OutOfSync resources and counts the rest', () => {
    const resources = Array.from({ length: 13 }, (_, i) => ({
      kind: 'ConfigMap',
      name: `cm-${i}`,
      status: 'OutOfSync',
    }));
    const s = summarizeApplication(
      app({ sync: { status: 'OutOfSync' }, resources }),
    );
    expect(s.reasons).toHaveLength(11);
    expect(s.reasons[0]).toBe('ConfigMap cm-0 is OutOfSync');
    expect(s.reasons[10]).toBe('3 more resources are OutOfSync');
  });

  it('takes the revision from a multi-source app or the last sync', () => {
    expect(
      summarizeApplication(
        app({ sync: { status: 'Synced', revisions: ['a', 'b'] } }),
      ).revision,
    ).toBe('a');
    expect(
      summarizeApplication(
        app({
          operationState: { phase: 'Error', syncResult: { revision: 'c' } },
        }),
      ),
    ).toMatchObject({ revision: 'c', reasons: ['Last sync error'] });
  });
});
