import {
  createBackendModule,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { startTestBackend } from '@backstage/backend-test-utils';
import {
  novahostRunnerExtensionPoint,
  novahostStoreExtensionPoint,
} from './extensions';
import type { BuildRunner } from './runners/types';
import { LocalArtifactStore } from './stores/LocalArtifactStore';
import type { ArtifactStore } from './stores/types';

describe('novahost extension points', () => {
  it('hand a module-provided store and runner to the plugin', async () => {
    const store = new LocalArtifactStore('/tmp/novahost-extension-test');
    const runner: BuildRunner = {
      buildsDieWithBackend: true,
      start: async () => ({ handle: 'h' }),
      cancel: async () => {},
      inspect: async () => ({ state: 'missing' }),
      close: async () => {},
    };
    const received: { store?: ArtifactStore; runner?: BuildRunner } = {};

    // Stands in for the novahost backend plugin, which owns both points.
    const plugin = createBackendPlugin({
      pluginId: 'novahost',
      register(env) {
        env.registerExtensionPoint(novahostStoreExtensionPoint, {
          setStore: s => {
            received.store = s;
          },
        });
        env.registerExtensionPoint(novahostRunnerExtensionPoint, {
          setRunner: r => {
            received.runner = r;
          },
        });
        env.registerInit({ deps: {}, async init() {} });
      },
    });
    const module = createBackendModule({
      pluginId: 'novahost',
      moduleId: 'custom-parts',
      register(env) {
        env.registerInit({
          deps: {
            stores: novahostStoreExtensionPoint,
            runners: novahostRunnerExtensionPoint,
          },
          async init({ stores, runners }) {
            stores.setStore(store);
            runners.setRunner(runner);
          },
        });
      },
    });

    const backend = await startTestBackend({ features: [plugin, module] });
    expect(received.store).toBe(store);
    expect(received.runner).toBe(runner);
    await backend.stop();
    // A whole test backend starts here, which takes a while on a busy machine.
  }, 60_000);
});
