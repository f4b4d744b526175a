import { DiscoveryService, LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { KubernetesBuildRunner } from './KubernetesBuildRunner';
import { LocalBuildRunner } from './LocalBuildRunner';
import type {
  BuildRunner,
  BuildRunnerType,
} from '@internal/plugin-novahost-node';

// The runner contract lives in novahost-node, so backend modules can
// implement it (novahostRunnerExtensionPoint); the implementations live here.
export type {
  BuildRunner,
  BuildRunnerType,
  BuildRequest,
  BuildExit,
  BuildState,
} from '@internal/plugin-novahost-node';
export {
  KubernetesBuildRunner,
  buildJob,
  jobName,
  LABELS,
} from './KubernetesBuildRunner';
export type { KubernetesRunnerOptions } from './KubernetesBuildRunner';
export { LocalBuildRunner } from './LocalBuildRunner';

/** Creates the configured runner (`novahost.runner.type`). */
export async function buildRunnerFromConfig(
  config: Config,
  deps: { logger: LoggerService; discovery: DiscoveryService },
): Promise<BuildRunner> {
  const type = (config.getOptionalString('novahost.runner.type') ??
    'local') as BuildRunnerType;
  switch (type) {
    case 'local':
      deps.logger.info('Builds run as local child processes');
      return LocalBuildRunner.fromConfig(config, deps);
    case 'kubernetes': {
      const runner = KubernetesBuildRunner.fromConfig(config, {
        logger: deps.logger,
        apiUrl: await deps.discovery.getBaseUrl('novahost'),
      });
      await runner.checkReady();
      return runner;
    }
    default:
      throw new Error(
        `Unknown novahost.runner.type '${type}', expected 'local' or 'kubernetes'`,
      );
  }
}
