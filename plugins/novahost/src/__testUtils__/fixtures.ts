import type { Deployment, Project } from '@internal/plugin-novahost-common';

const t0 = Date.parse('2026-01-01T12:00:00Z');
export const iso = (offsetSeconds: number) =>
  new Date(t0 + offsetSeconds * 1000).toISOString();

export function makeProject(overrides: Partial<Project> = {}): Project {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    name: 'My Site',
    slug: 'my-site',
    repoUrl: 'https://github.com/acme/my-site',
    branch: 'main',
    rootDirectory: '',
    installCommand: null,
    buildCommand: 'vite build',
    outputDirectory: null,
    owner: 'group:default/web',
    spa: false,
    autoPromote: true,
    productionDeploymentId: null,
    url: 'http://my-site.localhost:8080',
    createdAt: iso(0),
    updatedAt: iso(0),
    ...overrides,
  };
}

let n = 0;
export function makeDeployment(
  overrides: Partial<Deployment> = {},
): Deployment {
  n += 1;
  const shortId = `d${String(n).padStart(7, '0')}`;
  return {
    id: `22222222-2222-4222-8222-${String(n).padStart(12, '0')}`,
    shortId,
    projectId: '11111111-1111-4111-8111-111111111111',
    ref: 'main',
    commitSha: 'abcdef1234567890abcdef1234567890abcdef12',
    status: 'ready',
    error: null,
    exitCode: null,
    createdBy: 'user:default/guest',
    url: `http://my-site-${shortId}.localhost:8080`,
    isProduction: false,
    stats: null,
    framework: null,
    createdAt: iso(60),
    startedAt: iso(62),
    uploadingAt: iso(80),
    finishedAt: iso(85),
    ...overrides,
  };
}

/** An SSE body: `event`/`data` frames, `id:` for log lines. */
export function sseBody(
  events: Array<{ event: string; data: unknown; id?: number }>,
): string {
  return events
    .map(
      e =>
        `${e.id !== undefined ? `id: ${e.id}\n` : ''}event: ${
          e.event
        }\ndata: ${JSON.stringify(e.data)}\n\n`,
    )
    .join('');
}
