import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { Deployment } from '@internal/plugin-novahost-common';
import { http, HttpResponse } from 'msw';
import { DeploymentView } from '../components/DeploymentPage';
import { testApp, type Decide } from './app';
import { makeDeployment, makeProject, sseBody } from './fixtures';
import { base, eventStream } from './server';

/** Any project the page asks for, owned by team-a. */
export const projectHandler = http.get(`${base}/projects/:id`, ({ params }) =>
  HttpResponse.json(
    makeProject({ id: String(params.id), owner: 'group:default/team-a' }),
  ),
);

/** Each deployment the page asks for is `d`, with a finished log. */
export function finishedDeploymentHandlers(d: Deployment) {
  return [
    projectHandler,
    http.get(`${base}/deployments/:id`, () => HttpResponse.json(d)),
    http.get(`${base}/deployments/:id/logs`, () =>
      eventStream(
        sseBody([{ event: 'finish', data: { status: d.status, error: null } }]),
      ),
    ),
  ];
}

let projects = 0;
/**
 * A deployment of a project with an id of its own: permission decisions
 * are cached per project id for the whole test file.
 */
export function deploymentOfNewProject(
  overrides: Partial<Deployment> = {},
): Deployment {
  projects += 1;
  return makeDeployment({
    projectId: `55555555-5555-4555-8555-${String(projects).padStart(12, '0')}`,
    ...overrides,
  });
}

/** The deployment page of `id`, with permissions answered by `authorize`. */
export function renderDeploymentPage(id: string, authorize?: Decide) {
  return renderInTestApp(
    <DeploymentView deploymentId={id} />,
    testApp({ authorize }),
  );
}
