import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleScaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import novahostPlugin from '@internal/plugin-novahost-backend';
import novahostScaffolderFeatures from '@internal/plugin-scaffolder-backend-module-novahost';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

export const TEMPLATES_DIR = path.resolve(__dirname, '../../../../templates');

/** A template of templates/ as an entity, and its files as the dry-run API takes them. */
export function loadTemplate(name: string) {
  const dir = path.join(TEMPLATES_DIR, name);
  const entity = YAML.parse(
    fs.readFileSync(path.join(dir, 'template.yaml'), 'utf8'),
  );
  const files: Array<{ path: string; base64Content: string }> = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), {
      withFileTypes: true,
    })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else
        files.push({
          path: p,
          base64Content: fs.readFileSync(path.join(dir, p)).toString('base64'),
        });
    }
  };
  walk('');
  return { dir, entity, files };
}

/**
 * The real scaffolder, catalog and Novahost backends in one test backend,
 * with the Novahost scaffolder actions and URL reader, on the embedded
 * default (local runner, local store, local publisher).
 */
export async function startScaffolderBackend(options: {
  publicPort?: number;
  catalogLocations?: string[];
  extraConfig?: Record<string, any>;
}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-scaffolder-'));
  const storeDir = path.join(tmp, 'artifacts');
  const reposDir = path.join(tmp, 'repos');
  const backend = await startTestBackend({
    features: [
      scaffolderPlugin,
      novahostScaffolderFeatures,
      catalogPlugin,
      catalogModuleScaffolderEntityModel,
      novahostPlugin,
      mockServices.rootConfig.factory({
        data: {
          catalog: {
            rules: [
              {
                allow: [
                  'Component',
                  'System',
                  'API',
                  'Resource',
                  'Location',
                  'Template',
                ],
              },
            ],
            processingInterval: { seconds: 1 },
            locations: (options.catalogLocations ?? []).map(target => ({
              type: 'file',
              target,
            })),
          },
          novahost: {
            proxy: {
              baseDomain: 'localhost',
              publicPort: options.publicPort ?? 8080,
            },
            builds: { concurrency: 1, timeoutSeconds: 300 },
            runner: { type: 'local' },
            store: { type: 'local', local: { directory: storeDir } },
            scaffolder: { localPublisher: { directory: reposDir } },
          },
          ...options.extraConfig,
        },
      }),
    ],
  });
  const address = backend.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    backend,
    baseUrl: `http://127.0.0.1:${port}`,
    storeDir,
    reposDir,
    tmp,
  };
}
