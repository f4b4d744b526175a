import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderChart, repoRoot, type KubeObject } from './index.ts';

/** `${VAR}` references in a config subtree. */
function envRefs(node: unknown): Set<string> {
  const refs = new Set<string>();
  const walk = (n: unknown) => {
    if (typeof n === 'string') {
      for (const m of n.matchAll(/\$\{([A-Z0-9_]+)\}/g)) refs.add(m[1]);
    } else if (Array.isArray(n)) {
      n.forEach(walk);
    } else if (n && typeof n === 'object') {
      Object.values(n).forEach(walk);
    }
  };
  walk(node);
  return refs;
}

describe('the chart and app-config.production.yaml agree', () => {
  const production = parse(
    readFileSync(join(repoRoot(), 'app-config.production.yaml'), 'utf8'),
  );
  const { objects } = renderChart({
    valueFiles: ['charts/novahost/values-production.yaml'],
  });
  const containerEnv = (suffix: string): Set<string> => {
    const d = objects.find(
      (o: KubeObject) =>
        o.kind === 'Deployment' && o.metadata.name.endsWith(suffix),
    )!;
    return new Set(
      d.spec.template.spec.containers[0].env.map((e: any) => e.name),
    );
  };

  it('sets every environment variable the production config reads on the backend', () => {
    const missing = [...envRefs(production)].filter(
      v => !containerEnv('-backend').has(v),
    );
    expect(missing).toEqual([]);
  });

  it('sets what the proxy reads (novahost.proxy and novahost.store) on the proxy', () => {
    const refs = envRefs({
      proxy: production.novahost.proxy,
      store: production.novahost.store,
    });
    expect(refs.size).toBeGreaterThan(5);
    const missing = [...refs].filter(v => !containerEnv('-proxy').has(v));
    expect(missing).toEqual([]);
    // …and nothing it does not need: no database, Redis or sign-in secrets.
    for (const v of ['POSTGRES_PASSWORD', 'REDIS_URL', 'BACKEND_SECRET']) {
      expect(containerEnv('-proxy').has(v)).toBe(false);
    }
  });

  it('passes the config files the images carry, then the chart config', () => {
    for (const suffix of ['-backend', '-proxy']) {
      const d = objects.find(
        o => o.kind === 'Deployment' && o.metadata.name.endsWith(suffix),
      )!;
      expect(d.spec.template.spec.containers[0].args).toEqual([
        '--config',
        'app-config.yaml',
        '--config',
        'app-config.production.yaml',
        '--config',
        '/etc/novahost/app-config.chart.yaml',
      ]);
    }
  });
});
