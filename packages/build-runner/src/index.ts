/**
 * The Novahost build program, as a library for tests and tools. The program
 * itself is src/main.ts, run directly by Node (type stripping, no build step).
 *
 * @packageDocumentation
 */
export { BuildApi, ApiError } from './api.ts';
export type {
  BuildSpec,
  ShippedLine,
  UploadTarget,
  BuildEvent,
  ManifestFiles,
  ManifestResponse,
  FinalizeResponse,
} from './protocol.ts';
export { runBuild, redactUrl } from './build.ts';
export type { BuildOptions, BuildResult } from './build.ts';
export type { BuildPlan, Framework, PackageManager } from './detect.ts';
export {
  detectFramework,
  detectPackageManager,
  frameworkName,
  detectOutputDirectory,
  installCommand,
  planBuild,
} from './detect.ts';
export { LogShipper, lineSplitter } from './logShipper.ts';
export { collectOutput, mapLimit } from './manifest.ts';
export { run, StepError } from './exec.ts';
