import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { Deployment } from '@internal/plugin-novahost-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { denyAll, testApp, type Decide } from '../__testUtils__/app';
import {
  makeDeployment,
  makeProject,
  sseBody,
} from '../__testUtils__/fixtures';
import {
  base,
  eventStream,
  setupNovahostServer,
} from '../__testUtils__/server';
import { DeploymentView } from './DeploymentPage';

// jsdom has no layout: give LogViewer's virtualized list a size.
jest.mock('react-virtualized-auto-sizer', () => ({
  __esModule: true,
  default: (props: {
    children: (size: { height: number; width: number }) => unknown;
  }) => props.children({ height: 600, width: 800 }),
}));

const server = setupNovahostServer();

let n = 0;
/** A finished deployment of a project with its own id (decisions are cached per id). */
function deployment(overrides: Partial<Deployment>): Deployment {
  n += 1;
  return makeDeployment({
    projectId: `55555555-5555-4555-8555-${String(n).padStart(12, '0')}`,
    ...overrides,
  });
}

/** The deployment page of `d`, its project and a finished log; records DELETEs. */
async function render(d: Deployment, authorize?: Decide) {
  const deleted: string[] = [];
  server.use(
    http.get(`${base}/projects/:id`, ({ params }) =>
      HttpResponse.json(
        makeProject({ id: String(params.id), owner: 'group:default/team-a' }),
      ),
    ),
    http.get(`${base}/deployments/${d.id}`, () => HttpResponse.json(d)),
    http.get(`${base}/deployments/${d.id}/logs`, () =>
      eventStream(
        sseBody([{ event: 'finish', data: { status: d.status, error: null } }]),
      ),
    ),
    http.delete(`${base}/deployments/:id`, ({ params }) => {
      deleted.push(String(params.id));
      return new HttpResponse(null, { status: 204 });
    }),
  );
  await renderInTestApp(
    <DeploymentView deploymentId={d.id} />,
    testApp({ authorize }),
  );
  return deleted;
}

const pullRequestPreview = () =>
  deployment({
    target: 'preview',
    branch: 'fix/typo',
    ref: 'fix/typo',
    pullRequest: { number: 7, fork: true },
    source: 'pull_request',
    aliasUrl: 'http://my-site-git-fix-typo.localhost:8080',
  });

describe('DeploymentView previews', () => {
  it("shows a preview's branch, pull request, source and alias", async () => {
    await render(pullRequestPreview());
    const git = await screen.findByTestId('deployment-git');
    expect(within(git).getByTestId('deployment-target')).toHaveTextContent(
      'Preview',
    );
    expect(within(git).getByText('fix/typo')).toBeInTheDocument();
    expect(git).toHaveTextContent('Pull request #7fork');
    expect(git).toHaveTextContent('Source: pull request');
    expect(
      within(git).getByText('my-site-git-fix-typo.localhost'),
    ).toHaveAttribute('href', 'http://my-site-git-fix-typo.localhost:8080');
  });

  it('deletes a preview after confirmation', async () => {
    const d = pullRequestPreview();
    const deleted = await render(d);
    const del = await screen.findByRole('button', { name: 'Delete' });
    await waitFor(() => expect(del).toBeEnabled());
    await userEvent.click(del);
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent(`Delete deployment ${d.shortId}?`);
    expect(dialog).toHaveTextContent(
      'If the branch alias http://my-site-git-fix-typo.localhost:8080 serves it',
    );
    expect(deleted).toEqual([]);
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Delete deployment' }),
    );
    await waitFor(() => expect(deleted).toEqual([d.id]));
  });

  it('keeps the production deployment, saying why', async () => {
    await render(deployment({ isProduction: true }));
    await waitFor(() =>
      expect(
        screen.getByTestId('disabled-reason-Delete deployment'),
      ).toHaveAttribute(
        'title',
        'This is the production deployment: promote another one first',
      ),
    );
    expect(screen.getByRole('button', { name: 'Delete' })).toBeDisabled();
  });

  it('disables Delete for a user who may not update the project', async () => {
    await render(pullRequestPreview(), denyAll);
    await waitFor(() =>
      expect(
        screen.getByTestId('disabled-reason-Delete deployment'),
      ).toHaveAttribute(
        'title',
        "Only the owner (group:default/team-a) or a Novahost admin can delete this project's deployments",
      ),
    );
    expect(screen.getByRole('button', { name: 'Delete' })).toBeDisabled();
  });
});
