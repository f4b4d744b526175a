import type {
  DeploymentStatus,
  LogLine,
} from '@internal/plugin-novahost-common';
import type { EventBus } from '../bus';

/**
 * The bus contract: channel names and message shapes. Everything published
 * is already persisted; a message only tells listeners to look (a listener
 * that missed one catches up from the database).
 */

/** Channel of one deployment's live events. */
export const deploymentChannel = (id: string) => `deployment:${id}`;
/** Channel of route-table changes (any replica rebuilds its table). */
export const ROUTES_CHANNEL = 'routes';

/** Messages on a deployment channel. */
export type DeploymentEvent =
  | { type: 'log'; lines: LogLine[] }
  | {
      type: 'status';
      status: DeploymentStatus;
      error: string | null;
      commitSha: string | null;
    };

/** Messages on the routes channel. */
export type RoutesEvent = { at: number };

export function publishDeploymentEvent(
  bus: EventBus,
  deploymentId: string,
  event: DeploymentEvent,
): Promise<void> {
  return bus.publish(deploymentChannel(deploymentId), event);
}

export function publishRoutesChanged(bus: EventBus): Promise<void> {
  const event: RoutesEvent = { at: Date.now() };
  return bus.publish(ROUTES_CHANNEL, event);
}
