/**
 * The Novahost build program, as a library for tests and tools. The program
 * itself is src/main.ts, run directly by Node (type stripping, no build step).
 *
 * @packageDocumentation
 */
export { BuildApi, ApiError } from './api.ts';
export type {
  BuildSpec,
  RepoAccess,
  RepoCredential,
  ShippedLine,
  UploadTarget,
  BuildEvent,
  ManifestFiles,
  ManifestResponse,
  FinalizeResponse,
  StepLogTag,
  CacheRestoreRequest,
  CacheArchiveLocation,
  CacheEntryToRestore,
  CacheArchiveLimits,
  CacheRestoreResponse,
  CacheSavePlan,
  CacheArchiveInfo,
  CacheUploadResponse,
  CacheCommitResponse,
} from './protocol.ts';
export { LOG_SEQ_BASE, STEP_LOG_TAGS } from './protocol.ts';
export { runBuild } from './build.ts';
export type { BuildOptions, BuildResult } from './build.ts';
export { runClone } from './clone.ts';
export type { CloneOptions } from './clone.ts';
export { runBuildStep } from './buildStep.ts';
export type { BuildStepOptions } from './buildStep.ts';
export { runPublish } from './publish.ts';
export type { PublishOptions } from './publish.ts';
export { runCommand, COMMANDS } from './commands.ts';
export type { Command, CommandIo } from './commands.ts';
export type { BuildPlanFile, BuildStepResult } from './handoff.ts';
export { readPlan, readResult } from './handoff.ts';
export { redactUrl, workspace } from './workspace.ts';
export type { BuildPlan, Framework } from './detect.ts';
export {
  detectFramework,
  frameworkName,
  detectOutputDirectory,
  planBuild,
} from './detect.ts';
export type { PackageManager, PackageManagerChoice } from './packageManager.ts';
export { detectPackageManager, installCommand } from './packageManager.ts';
export type { NodeInstall, NodeRequest, NodeChoice } from './nodeVersion.ts';
export {
  availableNodes,
  chooseNode,
  findNodeRequest,
  selectNode,
  NODE_DIRS_ENV,
  DEFAULT_NODE_ENV,
} from './nodeVersion.ts';
export type { ToolSettings } from './toolchain.ts';
export { toolSettingsFromEnv, INTEGRITY_KEYS_ENV } from './toolchain.ts';
export { LogShipper, lineSplitter } from './logShipper.ts';
export { collectOutput, mapLimit } from './manifest.ts';
export { run, StepError } from './exec.ts';
