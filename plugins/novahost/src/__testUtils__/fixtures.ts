import type {
  Deployment,
  Project,
  WebhookStatus,
} from '@internal/plugin-novahost-common';
import {
  makeDeployment as apiDeployment,
  makeProject as apiProject,
} from '@internal/plugin-novahost-common/testUtils';

export { sseBody } from '@internal/plugin-novahost-common/testUtils';

const t0 = Date.parse('2026-01-01T12:00:00Z');
export const iso = (offsetSeconds: number) =>
  new Date(t0 + offsetSeconds * 1000).toISOString();

const projectId = '11111111-1111-4111-8111-111111111111';

/** The shared project, with the id, build command and owner these tests show. */
export function makeProject(overrides: Partial<Project> = {}): Project {
  return apiProject({
    id: projectId,
    buildCommand: 'vite build',
    owner: 'group:default/web',
    createdAt: iso(0),
    updatedAt: iso(0),
    ...overrides,
  });
}

let n = 0;
/** A finished build of that project; each call a new id, so lists have distinct rows. */
export function makeDeployment(
  overrides: Partial<Deployment> = {},
): Deployment {
  n += 1;
  const shortId = `d${String(n).padStart(7, '0')}`;
  return apiDeployment({
    id: `22222222-2222-4222-8222-${String(n).padStart(12, '0')}`,
    shortId,
    projectId,
    commitSha: 'abcdef1234567890abcdef1234567890abcdef12',
    createdBy: 'user:default/guest',
    url: `http://my-site-${shortId}.localhost:8080`,
    createdAt: iso(60),
    startedAt: iso(62),
    uploadingAt: iso(80),
    finishedAt: iso(85),
    ...overrides,
  });
}

/** The webhook setup of a project no delivery has reached yet. */
export function makeWebhookStatus(
  overrides: Partial<WebhookStatus> = {},
): WebhookStatus {
  return {
    url: 'http://backend/api/events/http/github',
    events: ['push', 'pull_request'],
    contentType: 'application/json',
    secretConfigKey: 'events.modules.github.webhookSecret',
    secretConfigured: true,
    repoKey: 'github.com/acme/my-site',
    lastDelivery: null,
    ...overrides,
  };
}
