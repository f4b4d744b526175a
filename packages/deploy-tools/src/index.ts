/**
 * Checks for Novahost's deployment assets (charts/, .github/workflows) and
 * the GitOps image-tag bump.
 */
export { bumpImageTags, IMAGE_TAG_PATHS } from './bumpImageTags.ts';
export type { ImageName } from './bumpImageTags.ts';
export {
  actionlint,
  argocdManifests,
  checkChart,
  validateValues,
  VALUE_SETS,
  workflowFiles,
  yamllint,
} from './checks.ts';
export { mergedValues, renderChart, RenderError } from './render.ts';
export type { KubeObject, RenderOptions, Rendered } from './render.ts';
export { repoRoot } from './repo.ts';
export { validateObject, validateObjects } from './validate.ts';
export type { ValidationProblem } from './validate.ts';
