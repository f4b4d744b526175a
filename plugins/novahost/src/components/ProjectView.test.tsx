import { renderInTestApp } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { testApp } from '../__testUtils__/app';
import { iso, makeDeployment, makeProject } from '../__testUtils__/fixtures';
import {
  base,
  errorBody,
  projectHandlers,
  setupNovahostServer,
} from '../__testUtils__/server';
import { promotion } from './DeploymentsTable';
import { ProjectView } from './ProjectView';

const server = setupNovahostServer();

const old = makeDeployment({ shortId: 'old00001', createdAt: iso(10) });
const current = makeDeployment({
  shortId: 'cur00002',
  createdAt: iso(100),
  isProduction: true,
});
const failed = makeDeployment({
  shortId: 'bad00003',
  createdAt: iso(200),
  status: 'failed',
  error: 'Build command `npm run build` exited with code 1',
});
const building = makeDeployment({
  shortId: 'new00004',
  createdAt: iso(300),
  status: 'building',
  finishedAt: null,
});
const project = makeProject({ productionDeploymentId: current.id });

/**
 * Clicks the button `find` returns until its confirmation dialog is open.
 * The page polls (every 1.5 s while a build runs) and each poll replaces the
 * table's rows: a click is one synchronous event (userEvent's pointer
 * sequence spans event-loop turns a poll can land in), and it is retried.
 */
const openDialog = (find: () => Promise<HTMLElement>) =>
  waitFor(async () => {
    if (!screen.queryByRole('dialog')) fireEvent.click(await find());
    return screen.getByRole('dialog');
  });

const render = (allowDelete = true) =>
  renderInTestApp(
    <ProjectView projectId="my-site" allowDelete={allowDelete} />,
    testApp(),
  );

/** The button once the permission decision has enabled it. */
async function enabledButton(name: string | RegExp) {
  const button = await screen.findByRole('button', { name });
  await waitFor(() => expect(button).toBeEnabled());
  return button;
}

describe('promotion', () => {
  it('names rollbacks and says why a deployment cannot be promoted', () => {
    expect(promotion(old, current)).toEqual({ label: 'Rollback' });
    expect(promotion(current, current).disabledReason).toBe(
      'Already in production',
    );
    expect(promotion(failed, current)).toEqual({
      label: 'Promote',
      disabledReason:
        'Only ready deployments can go to production (this one is failed)',
    });
    expect(promotion(old, undefined)).toEqual({ label: 'Promote' });
  });
});

describe('ProjectView', () => {
  it('shows production, deployments and only the allowed actions', async () => {
    server.use(
      ...projectHandlers(project, () => [building, failed, current, old]),
    );
    await render();
    const card = await screen.findByTestId('production-card');
    expect(within(card).getByText(project.url)).toHaveAttribute(
      'href',
      project.url,
    );
    expect(within(card).getByText(/cur00002/)).toBeInTheDocument();

    expect(screen.getByText('old00001')).toHaveAttribute(
      'href',
      `/novahost/deployments/${old.id}`,
    );
    const rollbacks = screen.getAllByRole('button', { name: 'Rollback' });
    expect(rollbacks).toHaveLength(1);
    expect(rollbacks[0]).toBeEnabled();
    // Disabled buttons carry their reason.
    expect(screen.getAllByTestId('disabled-reason-Promote')).toHaveLength(3);
    expect(
      screen.getAllByTestId('disabled-reason-Promote').map(e => e.title),
    ).toEqual([
      'Only ready deployments can go to production (this one is building)',
      'Only ready deployments can go to production (this one is failed)',
      'Already in production',
    ]);
    const cancels = screen.getAllByRole('button', { name: 'Cancel' });
    expect(
      cancels.filter(b => !(b as HTMLButtonElement).disabled),
    ).toHaveLength(1);
    // The building deployment's duration is still counting, failed one shows its chip.
    expect(screen.getByText('Failed')).toBeInTheDocument();
    expect(screen.getByText('Building')).toBeInTheDocument();
  });

  it('rolls back after confirmation', async () => {
    let promoted: unknown;
    server.use(
      ...projectHandlers(project, () => [current, old]),
      http.post(`${base}/projects/:id/promote`, async ({ request }) => {
        promoted = await request.json();
        return HttpResponse.json({
          ...project,
          productionDeploymentId: old.id,
        });
      }),
    );
    await render();
    const dialog = await openDialog(() =>
      screen.findByRole('button', { name: 'Rollback' }),
    );
    expect(
      within(dialog).getByText('Roll back production?'),
    ).toBeInTheDocument();
    expect(promoted).toBeUndefined();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Roll back' }),
    );
    await waitFor(() => expect(promoted).toEqual({ deploymentId: old.id }));
  });

  it('cancels a running build after confirmation', async () => {
    let canceled = false;
    server.use(
      ...projectHandlers(project, () => [building, current]),
      http.post(`${base}/deployments/${building.id}/cancel`, () => {
        canceled = true;
        return HttpResponse.json({ ...building, status: 'canceled' });
      }),
    );
    await render();
    const dialog = await openDialog(
      async () =>
        (
          await screen.findAllByRole('button', { name: 'Cancel' })
        ).find(b => !(b as HTMLButtonElement).disabled)!,
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel deployment' }),
    );
    await waitFor(() => expect(canceled).toBe(true));
  });

  it('deletes only after the slug is typed', async () => {
    let deleted = false;
    server.use(
      ...projectHandlers(project, () => []),
      http.delete(`${base}/projects/:id`, () => {
        deleted = true;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    await render();
    await userEvent.click(await enabledButton(/Delete project/));
    const dialog = await screen.findByRole('dialog');
    const confirm = within(dialog).getByRole('button', {
      name: 'Delete project',
    });
    expect(confirm).toBeDisabled();
    await userEvent.type(within(dialog).getByRole('textbox'), 'my-site');
    await userEvent.click(confirm);
    await waitFor(() => expect(deleted).toBe(true));
  });

  it('deploys', async () => {
    let deployed = false;
    server.use(
      ...projectHandlers(project, () => []),
      http.post(`${base}/projects/:id/deployments`, () => {
        deployed = true;
        return HttpResponse.json(makeDeployment({ status: 'queued' }), {
          status: 202,
        });
      }),
    );
    await render(false);
    // The table re-renders once the permission decisions arrive.
    await waitFor(() =>
      expect(screen.getByText(/No deployments yet/)).toBeInTheDocument(),
    );
    expect(screen.queryByRole('button', { name: /Delete project/ })).toBeNull();
    await userEvent.click(await enabledButton(/^Deploy$/));
    await waitFor(() => expect(deployed).toBe(true));
  });

  it('saves settings with empty commands as "detect"', async () => {
    let patch: any;
    server.use(
      ...projectHandlers(project, () => []),
      http.patch(`${base}/projects/:id`, async ({ request }) => {
        patch = await request.json();
        return HttpResponse.json({ ...project, ...patch });
      }),
    );
    await render();
    const build = await screen.findByLabelText('Build command');
    await waitFor(() => expect(build).toBeEnabled());
    await userEvent.clear(build);
    await userEvent.type(screen.getByLabelText('Output directory'), 'public');
    await userEvent.click(
      screen.getByRole('button', { name: 'Save settings' }),
    );
    await waitFor(() =>
      expect(patch).toMatchObject({
        buildCommand: null,
        outputDirectory: 'public',
        spa: false,
      }),
    );
    // The owner did not change: it is not sent (no change to authorize).
    expect(patch).not.toHaveProperty('owner');
  });

  it('shows a missing project as an error', async () => {
    server.use(
      http.get(`${base}/projects/my-site`, () =>
        errorBody(404, 'NotFoundError', "Project 'my-site' not found"),
      ),
      http.get(`${base}/projects/my-site/deployments`, () =>
        errorBody(404, 'NotFoundError', "Project 'my-site' not found"),
      ),
    );
    await render();
    expect(
      (await screen.findAllByText(/Project 'my-site' not found/)).length,
    ).toBeGreaterThan(0);
  });
});
