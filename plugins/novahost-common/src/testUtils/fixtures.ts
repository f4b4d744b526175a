import type { Deployment, Project } from '../types';

const at = '2026-01-01T12:00:00.000Z';
/** A deployment as the API answers it. */
export const makeDeployment = (
  overrides: Partial<Deployment> = {},
): Deployment => ({
  id: 'd1',
  shortId: 'd0000001',
  projectId: 'p1',
  ref: 'main',
  commitSha: null,
  target: 'production',
  branch: 'main',
  pullRequest: null,
  source: 'manual',
  aliasUrl: null,
  status: 'ready',
  error: null,
  exitCode: null,
  createdBy: null,
  url: 'http://my-site-d0000001.localhost:8080',
  isProduction: false,
  stats: null,
  framework: null,
  createdAt: at,
  startedAt: null,
  uploadingAt: null,
  finishedAt: null,
  ...overrides,
});
/** A project as the API answers it. */
export const makeProject = (overrides: Partial<Project> = {}): Project => ({
  id: 'p1',
  name: 'My Site',
  slug: 'my-site',
  repoUrl: 'https://github.com/acme/my-site',
  branch: 'main',
  rootDirectory: '',
  installCommand: null,
  buildCommand: null,
  outputDirectory: null,
  owner: null,
  entityRef: null,
  spa: false,
  autoPromote: true,
  watchPaths: [],
  allowForkPreviews: false,
  productionDeploymentId: null,
  url: 'http://my-site.localhost:8080',
  createdAt: at,
  updatedAt: at,
  ...overrides,
});
