import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  LocalArtifactStore,
  novahostStoreExtensionPoint,
} from '@internal/plugin-novahost-node';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { startNovahostTestBackend, user } from './__testUtils__/backend';

jest.setTimeout(60_000);

describe('novahostStoreExtensionPoint', () => {
  it('replaces the configured artifact store with a module’s', async () => {
    const moduleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-ext-'));
    const configuredDir = path.join(moduleDir, 'configured');
    const storeDir = path.join(moduleDir, 'from-module');
    const module = createBackendModule({
      pluginId: 'novahost',
      moduleId: 'test-store',
      register(env) {
        env.registerInit({
          deps: { stores: novahostStoreExtensionPoint },
          async init({ stores }) {
            stores.setStore(new LocalArtifactStore(storeDir));
          },
        });
      },
    });
    const backend = await startNovahostTestBackend({
      storeDir: configuredDir,
      features: [module],
    });
    try {
      const res = await backend.api.get('/api/novahost/projects').set(user);
      expect(res.status).toBe(200);
      // The startup check prepared the module's store, not the configured one.
      expect(fs.existsSync(storeDir)).toBe(true);
      expect(fs.existsSync(configuredDir)).toBe(false);
    } finally {
      await backend.stop();
    }
  });
});
