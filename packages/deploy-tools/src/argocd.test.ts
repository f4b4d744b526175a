import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  argocdManifests,
  repoRoot,
  validateObjects,
  type KubeObject,
} from './index.ts';

const WAVE = 'argocd.argoproj.io/sync-wave';

describe('charts/argocd', () => {
  const manifests = argocdManifests();
  const objects = manifests.flatMap(m => m.objects);
  const apps = objects.filter(o => o.kind === 'Application');
  const byName = (name: string): KubeObject => {
    const app = apps.find(a => a.metadata.name === name);
    if (!app) throw new Error(`no Application ${name}`);
    return app;
  };
  const wave = (o: KubeObject) => Number(o.metadata.annotations?.[WAVE] ?? 0);

  it('validates every object against the Argo CD and Kubernetes schemas', () => {
    expect(objects.length).toBeGreaterThanOrEqual(8);
    expect(validateObjects(objects)).toEqual([]);
  });

  it('has a root app-of-apps that syncs the apps folder of this repository', () => {
    const root = byName('novahost-root');
    expect(root.spec.source.path).toBe('charts/argocd/apps');
    expect(existsSync(join(repoRoot(), root.spec.source.path))).toBe(true);
    expect(root.spec.syncPolicy.automated).toMatchObject({
      prune: true,
      selfHeal: true,
    });
    // Every other object is in the apps folder, so the root syncs it.
    const rootFile = manifests.find(m => m.objects.includes(root))!.file;
    const outside = manifests
      .map(m => m.file)
      .filter(f => f !== rootFile && !f.startsWith('charts/argocd/apps/'));
    expect(outside).toEqual([]);
  });

  it('installs the shared services from pinned upstream charts', () => {
    const charts = Object.fromEntries(
      apps
        .filter(a => a.spec.source.chart)
        .map(a => [a.spec.source.chart, a.spec.source.targetRevision]),
    );
    expect(Object.keys(charts).sort()).toEqual([
      'cert-manager',
      'cloudnative-pg',
      'cluster',
      'ingress-nginx',
      'redis',
    ]);
    for (const version of Object.values(charts)) {
      expect(version).toMatch(/^v?\d+\.\d+\.\d+$/);
    }
    expect(
      byName('novahost-timescaledb').spec.source.helm.valuesObject.type,
    ).toBe('timescaledb');
  });

  it('orders shared services before Novahost with sync waves', () => {
    const novahost = byName('novahost');
    const shared = apps.filter(
      a => !a.metadata.name.startsWith('novahost-root') && a !== novahost,
    );
    expect(shared.length).toBe(5);
    for (const app of shared) {
      expect(app.metadata.annotations?.[WAVE]).toBeDefined();
      expect(wave(app)).toBeLessThan(wave(novahost));
    }
    // Operators (CRDs) before the objects that use them.
    expect(wave(byName('cloudnative-pg'))).toBeLessThan(
      wave(byName('novahost-timescaledb')),
    );
    const project = objects.find(o => o.kind === 'AppProject')!;
    for (const app of apps.filter(
      a => a.spec.project === project.metadata.name,
    )) {
      expect(wave(project)).toBeLessThan(wave(app));
    }
  });

  it('deploys Novahost from this repository with its production values', () => {
    const app = byName('novahost');
    const source = app.spec.source;
    expect(source.path).toBe('charts/novahost');
    for (const file of source.helm.valueFiles) {
      expect(existsSync(join(repoRoot(), source.path, file))).toBe(true);
    }
    expect(app.spec.destination.namespace).toBe('novahost');
  });

  it('keeps every app inside the novahost project, whose sources are the ones used', () => {
    const project = objects.find(o => o.kind === 'AppProject')!;
    for (const app of apps.filter(a => a.metadata.name !== 'novahost-root')) {
      expect(app.spec.project).toBe(project.metadata.name);
      expect(project.spec.sourceRepos).toContain(app.spec.source.repoURL);
      expect(
        project.spec.destinations.some(
          (d: any) => d.namespace === app.spec.destination.namespace,
        ),
      ).toBe(true);
    }
  });
});
