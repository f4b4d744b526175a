/**
 * The Novahost backend plugin. The store and runner contracts and their
 * extension points are in @internal/plugin-novahost-node.
 *
 * @packageDocumentation
 */
export { novahostPlugin as default } from './plugin';
export type { EventBus, EventBusType } from './bus';
