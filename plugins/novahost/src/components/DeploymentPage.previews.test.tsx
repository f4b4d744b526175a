import type { Deployment } from '@internal/plugin-novahost-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { denyAll, type Decide } from '../__testUtils__/app';
import {
  deploymentOfNewProject,
  finishedDeploymentHandlers,
  renderDeploymentPage,
} from '../__testUtils__/deploymentPage';
import { base, setupNovahostServer } from '../__testUtils__/server';

// jsdom has no layout: give LogViewer's virtualized list a size.
jest.mock(
  'react-virtualized-auto-sizer',
  () => require('../__testUtils__/autoSizer').autoSizerMock,
);

const server = setupNovahostServer();

const deployment = deploymentOfNewProject;

/** The deployment page of `d`, its project and a finished log; records DELETEs. */
async function render(d: Deployment, authorize?: Decide) {
  const deleted: string[] = [];
  server.use(
    ...finishedDeploymentHandlers(d),
    http.delete(`${base}/deployments/:id`, ({ params }) => {
      deleted.push(String(params.id));
      return new HttpResponse(null, { status: 204 });
    }),
  );
  await renderDeploymentPage(d.id, authorize);
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
