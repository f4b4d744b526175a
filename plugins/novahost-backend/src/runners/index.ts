import { DiscoveryService, LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { LocalBuildRunner } from './LocalBuildRunner';
import { BuildRunner, BuildRunnerType } from './types';

export type {
  BuildRunner,
  BuildRunnerType,
  BuildRequest,
  BuildExit,
} from './types';
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
      deps.logger.info('Novahost builds run as local child processes');
      return LocalBuildRunner.fromConfig(config, deps);
    case 'kubernetes':
      throw new Error(
        "novahost.runner.type 'kubernetes' is not available in this version; use 'local'",
      );
    default:
      throw new Error(
        `Unknown novahost.runner.type '${type}', expected 'local' or 'kubernetes'`,
      );
  }
}
