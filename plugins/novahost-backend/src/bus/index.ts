import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { MemoryEventBus } from './MemoryEventBus';
import { RedisEventBus } from './RedisEventBus';
import { EventBus, EventBusType } from './types';

export type { EventBus, EventBusType } from './types';
export { MemoryEventBus } from './MemoryEventBus';
export { RedisEventBus } from './RedisEventBus';

/** Creates the configured bus (`novahost.bus.type`). */
export function eventBusFromConfig(
  config: Config,
  logger: LoggerService,
): EventBus {
  const type = (config.getOptionalString('novahost.bus.type') ??
    'memory') as EventBusType;
  switch (type) {
    case 'memory':
      logger.info('Event bus: in-process');
      return new MemoryEventBus();
    case 'redis':
      logger.info('Event bus: Redis pub/sub');
      return RedisEventBus.fromConfig(config, logger);
    default:
      throw new Error(
        `Unknown novahost.bus.type '${type}', expected 'memory' or 'redis'`,
      );
  }
}
