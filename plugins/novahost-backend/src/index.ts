/**
 * The Novahost backend plugin.
 *
 * @packageDocumentation
 */
export { novahostPlugin as default } from './plugin';
export type { ArtifactStore, ArtifactStoreType } from './stores';
export type { BuildRunner, BuildRunnerType } from './runners';
export type { EventBus, EventBusType } from './bus';
