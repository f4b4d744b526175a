/**
 * Node code shared by the Novahost backend and proxy: the artifact stores
 * (write side for the backend, read side for the proxy), their config and
 * S3 client, the build runner contract and the backend's extension points.
 *
 * @packageDocumentation
 */
export * from './stores';
export type {
  BuildExit,
  BuildLogSink,
  BuildRequest,
  BuildRunner,
  BuildRunnerType,
  BuildState,
  RunnerLogLine,
} from './runners/types';
export {
  novahostRunnerExtensionPoint,
  novahostStoreExtensionPoint,
} from './extensions';
export type {
  NovahostRunnerExtensionPoint,
  NovahostStoreExtensionPoint,
} from './extensions';
export { Lru } from './lru';
export { mapLimit } from './mapLimit';
export {
  createNovahostProjectConditionalDecision,
  isProjectOwnerRule,
  novahostProjectConditions,
  novahostProjectPermissionResourceRef,
  novahostProjectRules,
} from './permissions';
export type {
  NovahostProjectFilter,
  NovahostProjectResource,
} from './permissions';
