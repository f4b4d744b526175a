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

/** A finished deployment of a project with its own id (decisions are cached per id). */
function deployment(overrides: Partial<Deployment> = {}): Deployment {
  return deploymentOfNewProject({
    commitSha: 'abcdef1234567890abcdef1234567890abcdef12',
    branch: 'main',
    ...overrides,
  });
}

/** The deployment page of `d`; records redeploy bodies. */
async function render(d: Deployment, authorize?: Decide) {
  const bodies: unknown[] = [];
  server.use(
    ...finishedDeploymentHandlers(d),
    http.post(`${base}/deployments/${d.id}/redeploy`, async ({ request }) => {
      bodies.push(await request.json());
      return HttpResponse.json(
        deployment({ status: 'queued', source: 'redeploy' }),
        { status: 202 },
      );
    }),
  );
  await renderDeploymentPage(d.id, authorize);
  return bodies;
}

async function confirmRedeploy(withoutCache: boolean) {
  const button = await screen.findByRole('button', { name: 'Redeploy' });
  await waitFor(() => expect(button).toBeEnabled());
  await userEvent.click(button);
  const dialog = await screen.findByRole('dialog');
  if (withoutCache) {
    await userEvent.click(
      within(dialog).getByLabelText('Without the build cache'),
    );
  }
  await userEvent.click(
    within(dialog).getByRole('button', { name: 'Redeploy' }),
  );
  return dialog;
}

describe('DeploymentView redeploy', () => {
  it('rebuilds the commit with the current variables, with or without the cache', async () => {
    const d = deployment();
    const bodies = await render(d);
    const dialog = await confirmRedeploy(false);
    expect(dialog).toHaveTextContent(
      `Redeploy ${d.shortId}?A new production deployment builds commit abcdef1 of main again, with the project's current environment variables.`,
    );
    await waitFor(() => expect(bodies).toEqual([{}]));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    await confirmRedeploy(true);
    await waitFor(() => expect(bodies).toEqual([{}, { cache: false }]));
  });

  it('disables Redeploy for a user who may not deploy', async () => {
    await render(deployment(), denyAll);
    await waitFor(() =>
      expect(screen.getByTestId('disabled-reason-Redeploy')).toHaveAttribute(
        'title',
        'Only the owner (group:default/team-a) or a Novahost admin can deploy this project',
      ),
    );
    expect(screen.getByRole('button', { name: 'Redeploy' })).toBeDisabled();
  });
});
